#include "src/workflows/backup/backup_content.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "src/util/error.hpp"
#include "src/workflows/backup/backup_edl.hpp"

namespace cr::workflows {
namespace {

constexpr std::string_view kCalibrationName = "rfnv";

PartitionContent parse_content(std::string_view text) {
    for (auto c :
         {PartitionContent::erased, PartitionContent::no_calibration,
          PartitionContent::package_image, PartitionContent::calibration, PartitionContent::data})
        if (to_string(c) == text) return c;
    return PartitionContent::data;  // unknown verdict: never assumed blank
}

std::string describe(const std::string& name, PartitionContent c) {
    switch (c) {
        case PartitionContent::erased:
            return name + ": erased (all 0xFF / 0x00)";
        case PartitionContent::no_calibration:
            return name + ": an EFS without calibration files (no rfnv)";
        case PartitionContent::package_image:
            return name +
                   ": already begins with the image the flash writes there (an "
                   "interrupted flash overwrote it)";
        case PartitionContent::calibration:
            return name + ": calibration";
        case PartitionContent::data:
            return name + ": data";
    }
    return name;
}

// Scans the entries of a bundle made before the verdicts were recorded.
PartitionContent scan_entry(const archive::BundleReader& reader, const archive::BundleEntry& e) {
    PartitionContentScan scan(e.name);
    reader.read_entry(e, [&](ByteView d) { scan.feed(d); });
    return scan.result();
}

BackupContent partition_content(const archive::StoredBundle& b) {
    BackupContent out;
    const auto recorded = b.manifest.metadata.find("content");
    std::optional<archive::BundleReader> reader;
    bool any = false;
    for (const auto& e : b.manifest.entries) {
        if (!is_calibration_partition(e.name)) continue;
        any = true;
        PartitionContent c;
        if (recorded != b.manifest.metadata.end() && recorded->is_object() &&
            recorded->contains(e.name) && (*recorded)[e.name].is_string()) {
            c = parse_content((*recorded)[e.name].get<std::string>());
        } else {
            if (!reader)
                reader.emplace(
                    archive::BundleReader::open(b.file, archive::BundleReader::Check::manifest));
            c = scan_entry(*reader, e);
        }
        out.summary += (out.summary.empty() ? "" : ", ") + describe(e.name, c);
        if (!is_blank(c)) out.restorable.push_back(e.name);
    }
    if (!any) out.summary = "no calibration partition";
    out.blank = out.restorable.empty();
    return out;
}

BackupContent calibration_content(const archive::BundleManifest& m) {
    std::size_t rfnv = 0;
    for (const auto& e : m.entries)
        if (auto p = e.metadata.find("path"); p != e.metadata.end() && p->is_string())
            rfnv += p->get<std::string>().find("/rfnv/") != std::string::npos;
    BackupContent out;
    out.blank = rfnv == 0 && m.identity.imeis.empty();
    out.summary = out.blank ? "no IMEI and no RF calibration (a backup of a blank EFS)"
                            : fmt::format("{} RF calibration files{}", rfnv,
                                          m.identity.imeis.empty() ? ", no IMEI" : "");
    return out;
}

}  // namespace

std::string_view to_string(PartitionContent c) {
    switch (c) {
        case PartitionContent::erased:
            return "erased";
        case PartitionContent::no_calibration:
            return "no-calibration";
        case PartitionContent::package_image:
            return "package-image";
        case PartitionContent::calibration:
            return "calibration";
        case PartitionContent::data:
            return "data";
    }
    return "data";
}

bool is_blank(PartitionContent c) {
    return c == PartitionContent::erased || c == PartitionContent::no_calibration ||
           c == PartitionContent::package_image;
}

PartitionContentScan::PartitionContentScan(std::string_view label, Bytes incoming)
    : efs2_(label == "efs2"), incoming_(std::move(incoming)) {}

void PartitionContentScan::feed(ByteView data) {
    if (data.empty()) return;
    any_ = true;
    if (incoming_match_ && seen_ < incoming_.size()) {  // how far it begins with the image
        const auto n = std::min<std::uint64_t>(data.size(), incoming_.size() - seen_);
        auto diff = std::mismatch(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n),
                                  incoming_.begin() + static_cast<std::ptrdiff_t>(seen_));
        matched_ += static_cast<std::uint64_t>(diff.first - data.begin());
        incoming_match_ = diff.first == data.begin() + static_cast<std::ptrdiff_t>(n);
    }
    seen_ += data.size();
    if (all_ff_) all_ff_ = std::all_of(data.begin(), data.end(), [](auto b) { return b == 0xFF; });
    if (all_00_) all_00_ = std::all_of(data.begin(), data.end(), [](auto b) { return b == 0; });
    if (!efs2_ || named_) return;
    std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
    const std::size_t keep = kCalibrationName.size() - 1;  // a name cut by a chunk boundary
    std::string seam = tail_ + std::string(text.substr(0, keep));
    named_ = seam.find(kCalibrationName) != std::string::npos ||
             text.find(kCalibrationName) != std::string_view::npos;
    if (text.size() >= keep)
        tail_ = std::string(text.substr(text.size() - keep));
    else
        tail_ = (tail_ + std::string(text))
                    .substr(std::max<std::size_t>(tail_.size() + text.size(), keep) - keep);
}

PartitionContent PartitionContentScan::result() const {
    if (!any_ || all_ff_ || all_00_) return PartitionContent::erased;
    // An interrupted write leaves the image's start: its first page (or all of a smaller
    // image) is proof enough.
    constexpr std::uint64_t kProof = 4096;
    if (!incoming_.empty() && matched_ >= std::min<std::uint64_t>(kProof, incoming_.size()))
        return PartitionContent::package_image;
    if (!efs2_) return PartitionContent::data;
    return named_ ? PartitionContent::calibration : PartitionContent::no_calibration;
}

bool is_calibration_partition(std::string_view name) {
    return std::any_of(std::begin(kCalibrationPartitions), std::end(kCalibrationPartitions),
                       [&](const char* p) { return name == p; });
}

BackupContent backup_content(const archive::StoredBundle& b) {
    if (!b.readable) return {true, "not readable: " + b.error, {}};
    try {
        switch (b.manifest.kind) {
            case archive::BundleKind::partition:
                return partition_content(b);
            case archive::BundleKind::calibration:
                return calibration_content(b.manifest);
            case archive::BundleKind::settings:
                return {true, "settings only", {}};
            case archive::BundleKind::snapshot:  // goes back whole: `snapshot restore`
                return {true, "a whole-module snapshot (`cellrescue snapshot restore`)", {}};
        }
    } catch (const Error& e) {
        return {true, std::string("its data could not be read: ") + e.what(), {}};
    }
    return {true, "unknown kind", {}};
}

}  // namespace cr::workflows
