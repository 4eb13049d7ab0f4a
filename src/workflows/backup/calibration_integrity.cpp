#include "src/workflows/backup/calibration_integrity.hpp"

#include <fmt/format.h>

#include <map>
#include <set>

#include "nv/imei.hpp"
#include "nv/nv_catalog.hpp"
#include "src/util/atomic_file.hpp"
#include "src/util/digest.hpp"
#include "src/util/error.hpp"

namespace cr::workflows {

std::string_view to_string(Integrity i) {
    switch (i) {
        case Integrity::bundle_checksum:
            return "bundle-checksum";
        case Integrity::digest_verified:
            return "digest-verified";
        case Integrity::unknown:
            return "unknown";
    }
    return "unknown";
}

std::filesystem::path digest_path(const std::filesystem::path& file) {
    return file.string() + ".sha256";
}

void write_digest(const std::filesystem::path& file) {
    std::string line = fmt::format("{}  {}\n", file_digest_hex(file, Digest::Algorithm::sha256),
                                   file.filename().string());
    write_file_atomically(digest_path(file), as_bytes(line));
}

bool check_digest(const std::filesystem::path& file, ByteView content) {
    std::filesystem::path sum = digest_path(file);
    if (!std::filesystem::exists(sum)) return false;
    Bytes text = read_file(sum);
    std::string_view s = as_chars(text);
    std::string want(s.substr(0, s.find_first_of(" \t\r\n")));
    if (want.size() != 64 || want.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
        throw VerifyError(fmt::format("{} is not a SHA-256 digest file", sum.string()),
                          "nothing was written to any device",
                          "restore the digest file, or remove it to treat " + file.string() +
                              " as a file of unknown integrity");
    for (char& c : want) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string have = sha256_hex(content);
    if (have != want)
        throw VerifyError(
            fmt::format("{} does not match its digest {} (SHA-256 {}, recorded {}): the file "
                        "was changed or damaged after cellrescue wrote it",
                        file.string(), sum.filename().string(), have, want),
            "nothing was written to any device",
            "use another copy of this backup (the bundle in the backup store is checksummed)");
    return true;
}

std::vector<std::string> plausibility_problems(const nv::Calibration& cal) {
    std::vector<std::string> out;
    if (nv::nv_item_count(cal) == 0 && nv::efs_file_count(cal) == 0)
        out.push_back("it holds no NV item and no EFS file");
    for (std::size_t s = 0; s < nv::kSubscriptions; ++s) {
        std::set<std::pair<int, int>> seen;
        for (const auto& item : cal.nv[s]) {
            if (!seen.insert({item.id, item.sub_index}).second)
                out.push_back(
                    fmt::format("NV {} sub {} appears twice", nv::nv_display_name(item.id), s));
            if (item.id == nv::item::ue_imei) {
                bool valid = true;  // an erased IMEI (no digits) is plausible, garbage is not
                try {
                    auto imei = nv::decode_imei_nv(item.data);
                    valid = !imei || imei->empty() || nv::is_valid_imei(*imei);
                } catch (const Error&) {
                    valid = false;
                }
                if (!valid) out.push_back(fmt::format("NV 550 sub {} holds no valid IMEI", s));
            }
        }
    }
    for (nv::EfsGroup g : nv::kEfsGroups) {
        std::set<std::string> paths;
        for (const auto& f : cal.files(g)) {
            if (f.path.empty() || f.path.find("..") != std::string::npos ||
                f.path.find('\0') != std::string::npos)
                out.push_back(
                    fmt::format("{}: unsafe or empty file path '{}'", nv::storage_name(g), f.path));
            else if (!paths.insert(f.path).second)
                out.push_back(fmt::format("{}: {} appears twice", nv::storage_name(g), f.path));
            if (f.path.find("item_files/rfnv/") != std::string::npos && f.data.empty())
                out.push_back(fmt::format("RF calibration file {} is empty", f.path));
        }
    }
    return out;
}

}  // namespace cr::workflows
