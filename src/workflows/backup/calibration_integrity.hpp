// Integrity of calibration files that carry no checksum of their own (.xqcn, .qcn; bundles
// carry a SHA-256 trailer): cellrescue writes a detached digest beside each export,
// `FILE.sha256` in sha256sum's format ("<64 hex>  <name>\n"), atomically. Loading checks it
// before anything is parsed, let alone written: a mismatch is refused. A file without one
// (QPST's, another tool's) is accepted only when it looks like a calibration (plausibility:
// records, item identities, file paths and contents) and then with a warning that its integrity
// is unknown.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "nv/calibration.hpp"

namespace cr::workflows {

enum class Integrity {
    bundle_checksum,  // a cellrescue bundle: whole-file SHA-256 verified on open
    digest_verified,  // .xqcn/.qcn whose FILE.sha256 matched
    unknown,          // .xqcn/.qcn without a digest: plausible, integrity not known
};
std::string_view to_string(Integrity integrity);

struct LoadedCalibration {
    nv::Calibration calibration;
    Integrity integrity = Integrity::unknown;
    std::string note;  // for the user: what was checked, or the warning
};

std::filesystem::path digest_path(const std::filesystem::path& file);  // FILE.sha256
// Writes FILE.sha256 for `file` as it is now (atomically).
void write_digest(const std::filesystem::path& file);
// Throws VerifyError when FILE.sha256 exists and does not match `content` (the bytes read from
// `file`), or is malformed; returns false when there is none.
bool check_digest(const std::filesystem::path& file, ByteView content);

// What makes a calibration implausible (empty = plausible): no NV item and no file, duplicate
// items or files, an NV 550 that holds no valid IMEI, unsafe or empty paths, empty RF files.
std::vector<std::string> plausibility_problems(const nv::Calibration& cal);

}  // namespace cr::workflows
