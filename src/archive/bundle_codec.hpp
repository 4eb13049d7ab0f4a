// Internal: the zlib streams of bundle entries on the writing side. Deflater compresses an entry;
// InflateCheck inflates the exact bytes written for it and hashes the result, so every entry is
// proven to decode to its recorded size and SHA-256 while the next one is still being read.
#pragma once
#include <zlib.h>

#include <cstdint>
#include <functional>
#include <string>

#include "src/util/bytes.hpp"
#include "src/util/digest.hpp"

namespace cr::archive::detail {

class Deflater {
  public:
    explicit Deflater(std::function<void(ByteView)> out);
    ~Deflater();
    Deflater(const Deflater&) = delete;
    Deflater& operator=(const Deflater&) = delete;
    void feed(ByteView data, int flush);  // Z_NO_FLUSH, then Z_FINISH once

  private:
    z_stream z_{};
    std::function<void(ByteView)> out_;
    Bytes buf_;
};

class InflateCheck {
  public:
    InflateCheck();
    ~InflateCheck();
    InflateCheck(const InflateCheck&) = delete;
    InflateCheck& operator=(const InflateCheck&) = delete;
    void feed(ByteView compressed);  // throws VerifyError on a zlib error or data after the end
    // Throws VerifyError unless the stream ended and decoded to `size` bytes hashing to `sha256`.
    void finish(const std::string& entry, std::uint64_t size, const std::string& sha256);

  private:
    z_stream z_{};
    Bytes buf_;
    Digest digest_{Digest::Algorithm::sha256};
    std::uint64_t produced_ = 0;
    bool ended_ = false;
};

}  // namespace cr::archive::detail
