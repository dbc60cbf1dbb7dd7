# ctest smoke test of the benchmark (bench/CMakeLists.txt): runs dbm_bench on a few
# hundred Fashion-MNIST images (MNIST's shapes, and installed from Debian where the
# tests run), passes its JSON through bench/report.py as scripts/bench does, and
# checks that the one object carries every figure issue 6 names. It checks no speed:
# timings of such a short run mean nothing, and speed is never a unit test's business.
# The peak-memory part runs the real train_dbm on all 60,000 images as --quick does
# (stopped by SIGINT a few seconds into joint training), so a change in how training
# reports its phases cannot silently break scripts/bench --quick.
#
#   cmake -DDBM_BENCH=<dbm_bench> -DTRAIN_DBM=<train_dbm> -DREPORT=<report.py>
#         -DWORK_DIR=<dir> -P smoke_test.cmake

if(NOT EXISTS "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")
  message("SKIPPED: Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)")
  return()
endif()
file(MAKE_DIRECTORY "${WORK_DIR}")

# --data-dir points at an empty folder so the loader falls back to Debian's copy.
execute_process(
  COMMAND "${DBM_BENCH}" --quick --data fashion_mnist --data-dir "${WORK_DIR}/no-data"
          --examples 300 --ais-betas 20 --gemm-seconds 0.002 --threads 2
          --train-dbm "${TRAIN_DBM}"
          --out "${WORK_DIR}/engine.json"
  RESULT_VARIABLE exit_code ERROR_VARIABLE err)
if(NOT exit_code EQUAL 0)
  message(FATAL_ERROR "dbm_bench exited with ${exit_code}:\n${err}")
endif()
# report.py needs only the standard library; prefer Debian's python3, as scripts/bench does.
set(python python3)
if(EXISTS /usr/bin/python3)
  set(python /usr/bin/python3)
endif()
execute_process(
  COMMAND "${python}" "${REPORT}" --engine "${WORK_DIR}/engine.json" --json
  RESULT_VARIABLE exit_code OUTPUT_VARIABLE json ERROR_VARIABLE err)
if(NOT exit_code EQUAL 0)
  message(FATAL_ERROR "report.py exited with ${exit_code}:\n${err}")
endif()

# A key path must exist and hold a value of `type`.
function(expect_json type)
  string(JSON actual ERROR_VARIABLE missing TYPE "${json}" ${ARGN})
  if(missing)
    message(FATAL_ERROR "the JSON has no ${ARGN}: ${missing}\n${json}")
  endif()
  if(NOT actual STREQUAL type)
    message(FATAL_ERROR "${ARGN} is ${actual}, expected ${type}\n${json}")
  endif()
endfunction()

expect_json(NUMBER peak_gflops)
expect_json(OBJECT workloads peers)
foreach(workload rbm_cd1_b100 rbm_cd1_b5 dbm_joint_b100 dbm_ais)
  foreach(key examples_per_s gflops fraction_of_peak)
    expect_json(NUMBER workloads ${workload} ${key})
  endforeach()
endforeach()
foreach(workload rbm_cd1_b100 rbm_cd1_b5 dbm_joint_b100)
  expect_json(NUMBER workloads ${workload} seconds_per_epoch)
endforeach()
expect_json(NUMBER workloads dbm_ais betas_per_s)
expect_json(ARRAY targets)
# The memory run was stopped in joint training (exit 130), as in scripts/bench --quick.
expect_json(NUMBER memory peak_rss_mib)
string(JSON stopped GET "${json}" memory stopped_in_joint_training)
if(NOT stopped STREQUAL "ON")
  message(FATAL_ERROR "the memory run was not stopped in joint training:\n${json}")
endif()
message("dbm_bench JSON has every required key")
