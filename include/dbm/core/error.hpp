#pragma once
// Typed errors thrown by the engine. The engine never prints and never exits;
// only main() turns these into messages and exit codes (UsageError -> 2, others -> 1).
//
// Every message is one line that names the file, flag or value at fault and says
// what to do about it.

#include <stdexcept>
#include <string>

namespace dbm {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A bad command-line value or a combination of flags that cannot work (exit code 2).
class UsageError : public Error {
 public:
  using Error::Error;
};

// A data file that is missing, truncated or not what its name says.
class DataError : public Error {
 public:
  using Error::Error;
};

// A model file that is missing, corrupted, of an unknown version, or inconsistent.
class ModelFileError : public Error {
 public:
  using Error::Error;
};

// Parameters became NaN or infinite during training.
class DivergenceError : public Error {
 public:
  using Error::Error;
};

// Training stopped on request (SIGINT/SIGTERM) after writing a checkpoint.
class Interrupted : public Error {
 public:
  using Error::Error;
};

// Writing output (run folder, model, log) failed.
class OutputError : public Error {
 public:
  using Error::Error;
};

}  // namespace dbm
