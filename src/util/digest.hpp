// Incremental SHA-256 / MD5 over OpenSSL's EVP interface.
#pragma once
#include <filesystem>
#include <memory>
#include <string>

#include "src/util/bytes.hpp"

namespace cr {

class Digest {
public:
    enum class Algorithm { sha256, md5 };
    explicit Digest(Algorithm algorithm);
    ~Digest();
    Digest(Digest&&) noexcept;
    Digest& operator=(Digest&&) noexcept;
    void update(ByteView data);
    Bytes finish();             // raw digest; the object may not be updated afterwards
    std::string finish_hex();   // lowercase hex

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

std::string sha256_hex(ByteView data);
std::string file_digest_hex(const std::filesystem::path& file, Digest::Algorithm algorithm);

}  // namespace cr
