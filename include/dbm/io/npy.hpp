#pragma once
// NumPy's .npy array files and .npz archives of them, written without NumPy.
//
// .npy, format version 1.0 (the NumPy format specification, numpy.lib.format):
//
//   offset 0   magic        6 bytes  "\x93NUMPY"
//   offset 6   version      2 bytes  major 1, minor 0
//   offset 8   HEADER_LEN   uint16, little-endian
//   offset 10  header       HEADER_LEN bytes of ASCII: a Python dict literal
//                           {'descr': '<f4', 'fortran_order': False, 'shape': (784, 500), }
//                           padded with spaces and ended by '\n' so that the data
//                           starts at a multiple of 64 bytes
//   then       data         the elements in C order (last index fastest), little-endian
//
// Shapes are written as Python tuples: () for a 0-d array, (n,) for 1-d, (r, c) for 2-d.
// Every array here is little-endian whatever the machine ('<' in descr), so a file
// reads the same everywhere.
//
// .npz is a zip archive holding one "<name>.npy" entry per array, which is what
// numpy.savez writes and numpy.load reads. Entries are stored uncompressed (as
// numpy.savez does; float weights hardly compress) and carry a fixed timestamp, so
// the same arrays always give byte-identical archives. The zip container is written
// by libzip.
//
// Nothing here touches the file system: the functions return bytes, and the caller
// writes them (e.g. with io::write_file_atomically).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dbm/core/types.hpp"

namespace dbm::io {

// One array ready to be written: its NumPy dtype, shape and raw element bytes.
struct NpyArray {
  std::string name;                 // .npz entry name without ".npy", e.g. "W1"
  std::string descr;                // NumPy dtype string: "<f4", "<i8", "<U42", ...
  std::vector<std::int64_t> shape;  // empty: a 0-d array (one element)
  std::string data;                 // product(shape) elements, C order, little-endian
};

// A float32 ('<f4') array of shape (rows, cols) holding `matrix` in C order, so that
// array[i, j] == matrix(i, j) whatever Eigen's storage order.
NpyArray npy_float32(std::string name, const Matrix& matrix);

// A float32 ('<f4') array of shape (n,).
NpyArray npy_float32(std::string name, const Vector& vector);

// An int64 ('<i8') array of shape (n,).
NpyArray npy_int64(std::string name, const std::vector<std::int64_t>& values);

// A 0-d unicode array ('<Un', n code points stored as UCS-4) holding `utf8`, which
// NumPy reads back as a str: str(npz[name]) or npz[name][()]. Invalid UTF-8 bytes
// become U+FFFD. An empty string is stored as '<U1' (NumPy reads it back as '').
NpyArray npy_unicode_scalar(std::string name, std::string_view utf8);

// The header of a version 1.0 .npy file (magic to the closing '\n'); its length is a
// multiple of 64. Throws dbm::Error for a negative extent or a header over 65535 bytes.
std::string npy_header(const std::string& descr, const std::vector<std::int64_t>& shape);

// A whole .npy file: npy_header + array.data. Throws dbm::Error if the data size does
// not match the shape and the dtype's element size (a bug in the caller).
std::string npy_file(const NpyArray& array);

// A .npz archive (zip bytes) with one "<name>.npy" entry per array, in the given
// order. Throws dbm::Error for a duplicate or empty name, and dbm::OutputError with
// libzip's reason if the archive cannot be built.
std::string npz_archive(const std::vector<NpyArray>& arrays);

}  // namespace dbm::io
