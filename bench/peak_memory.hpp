#pragma once
// Peak resident memory of a real training run (issue 6 target: <= 1 GiB for a
// full-MNIST 784-500-1000 run).
//
// Runs the train_dbm executable as a child process on all 60,000 MNIST images
// (`data` = "mnist"; the smoke test passes fashion_mnist, which has the same shapes),
//   train_dbm -d 784,500,1000 --data mnist --batch-size 100 --learning-rate 0.05
//             --k3 0 --epochs 1 --finetune-epochs 1 --seed 1 --threads N
// into a temporary models folder (removed afterwards), and reads the child's peak
// resident set size from wait4()'s rusage (ru_maxrss, the high-water mark of the
// whole process lifetime).
//
// With `stop_in_joint_training` (scripts/bench --quick) the run is stopped with
// SIGINT `seconds_into_joint` seconds after it logs the start of joint training, and
// exits 130 after writing its checkpoint. By then it has loaded the data, trained
// and propagated through both RBMs and allocated every buffer of joint training; what
// a complete run adds afterwards (the model file and a 100-chain sample grid) is
// small. A full run (the default) trains to the end and must exit 0.

#include <string>
#include <vector>

namespace dbm::bench {

struct PeakMemory {
  double peak_rss_mib = 0.0;  // ru_maxrss / 1024
  long peak_rss_kib = 0;
  int exit_code = -1;         // the child's exit status (128 + signal if killed)
  bool stopped_in_joint_training = false;
  double seconds = 0.0;       // wall time of the child
  std::string command;        // the command line run, for the report
};

// Throws std::runtime_error if the child cannot be started or ends in an unexpected
// way (its last lines of stderr are in the message).
PeakMemory measure_training_memory(const std::string& train_dbm, const std::string& data,
                                   const std::string& data_dir, int threads,
                                   bool stop_in_joint_training,
                                   double seconds_into_joint = 3.0);

}  // namespace dbm::bench
