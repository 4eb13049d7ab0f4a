// The restore marker on the module: an EFS file written before a restore's first write and
// removed only after every item and file read back equal, so a restore that was killed, lost
// power or was unplugged leaves a module that says so (`diagnose`: restore-interrupted).
// It lives outside the calibration (/cellrescue/, which backups skip): a real EFS2 takes any
// directory (O_AUTODIR creates it); the text is a small JSON object naming the backup.
#pragma once
#include <optional>
#include <string>

#include "protocols/diag/efs2_client.hpp"

namespace cr::workflows {

inline constexpr const char* kMarkerDir = "/cellrescue";
inline constexpr const char* kRestoreMarker = "/cellrescue/restore-incomplete";

struct RestoreMarker {
    std::string source;   // the backup being restored (file path as given)
    std::string started;  // UTC, ISO 8601
    std::size_t nv_items = 0;
    std::size_t efs_files = 0;
    // "writing" until the read-back; "verify-failed" when everything was written but
    // `differences` items/files read back different (diagnose: restore-verify-failed).
    std::string state = "writing";
    std::size_t differences = 0;
    bool verify_failed() const { return state == "verify-failed"; }
};
std::string encode_marker(const RestoreMarker& marker);
// nullopt when the text is not a marker we wrote (still reported as a marker by diagnose).
std::optional<RestoreMarker> decode_marker(const std::string& text);

// Writes and syncs the marker (throws EfsError/ProtocolError: the restore then writes nothing).
void write_restore_marker(diag::Efs2Client& efs, const RestoreMarker& marker);
// Rewrites the marker as "verify-failed" with the number of differences (the restore wrote
// everything; the module is not what the backup holds). Throws like write_restore_marker.
void mark_restore_verify_failed(diag::Efs2Client& efs, RestoreMarker marker,
                                std::size_t differences);
// Removes it (and its directory when empty) and syncs.
void remove_restore_marker(diag::Efs2Client& efs);
// The marker's text, nullopt when there is none (ENOENT); other errors throw.
std::optional<std::string> read_restore_marker(diag::Efs2Client& efs);

}  // namespace cr::workflows
