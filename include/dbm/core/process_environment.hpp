#pragma once
// The process settings the engine runs best under, for the main() of an executable
// (train_dbm, dbm_bench). Both are read once, when the C and OpenMP runtimes start,
// so the only way to default them is to set them and re-execute the program.
// A value the user set is always kept.
//
// - OpenMP waits (OMP_WAIT_POLICY=passive, GOMP_SPINCOUNT=1000): libgomp's default
//   spins at every barrier for ~300,000 rounds, which collapses when another
//   process holds a core (batch 5 epochs 4x slower, batch 100 2x, measured on this
//   2-core machine while `yes` held a core). Never spinning costs a futex wake-up
//   per parallel region instead, which at batch 5 (four regions per mini-batch)
//   halves the speed on an idle machine. A short spin is within 20% of the best of
//   both: idle batch 5 at 17-21k examples/s (no spin 10-11k), contended 7k (no
//   spin 9k, long spin 2k).
// - glibc's malloc on transparent huge pages (GLIBC_TUNABLES=glibc.malloc.hugetlb=1).
//   With 4 KiB pages, how the weights and their momentum (2 x 1.5 MiB at 784-500,
//   more than one core's 1 MiB L2) land in physical memory decided between two
//   speeds from run to run: batch 5 at 8k or 18k examples/s. On huge pages the runs
//   are consistently at the fast one. Where the kernel has transparent huge pages
//   off, the tunable does nothing.
//
// Returns only if nothing needed changing or the program cannot re-execute itself,
// and then leaves the environment as it was: at most once (the re-executed program
// carries DBM_ENGINE_ENVIRONMENT=1), never for setuid or file-capability programs
// (glibc ignores GLIBC_TUNABLES there), and never when /proc/self/exe is not this
// program (started through ld.so, or under valgrind) or cannot be read.
namespace dbm {

void reexec_with_engine_environment(char** argv);

}  // namespace dbm
