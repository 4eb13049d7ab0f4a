// The update-package format of the virtual u-blox modules (our own; real packages are u-blox's
// undocumented delta files). Layout:
//   "CRUBXPK1" | u32 LE header length | header JSON | payload | 32-byte signature
// header: {"model","version","from" (required current firmware or "*"),"payload_size",
//          "payload_sha256"}; signature = SHA-256(key | everything before it).
// Anything after the signature must be XMODEM padding (0x1A).
#pragma once
#include <string>

#include "src/util/bytes.hpp"

namespace cr::sim::ublox {

struct PackageInfo {
    std::string model;
    std::string version;
    std::string from = "*";
    std::size_t payload_size = 64 * 1024;
};

// Builds a valid package (payload deterministic from model+version).
Bytes make_package(const PackageInfo& info);

struct Validation {
    int code = 128;       // 128 valid; 148 corrupted; 158 not a package; 168 wrong source/model;
                          // 173 signature mismatch; 180 size mismatch
    std::string version;  // the firmware it installs (when valid)
    std::string reason;
};

Validation validate_package(ByteView data, const std::string& model,
                            const std::string& current_firmware);

}  // namespace cr::sim::ublox
