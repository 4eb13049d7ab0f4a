// Raw partition bundles: read regions into a verified bundle; write a bundle back and verify.
#include "src/workflows/backup/partition_backup.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "src/util/digest.hpp"
#include "src/util/error.hpp"
#include "src/workflows/backup/backup_content.hpp"

namespace cr::workflows {
namespace {

std::string entry_name(const package::Region& r) {
    return r.label.empty() ? fmt::format("lun{}_{}", r.physical_partition, r.start_sector)
                           : r.label;
}

nlohmann::json region_json(const package::Region& r, const std::string& reason) {
    return {{"label", r.label},
            {"physical_partition", r.physical_partition},
            {"sector_size", r.sector_size},
            {"start_sector", r.start_sector},
            {"num_sectors", r.num_sectors},
            {"pages_per_block", r.pages_per_block},
            {"reason", reason}};
}

std::string label_list(std::span<const package::Region> regions) {
    std::string out;
    for (const auto& r : regions) out += (out.empty() ? "" : "+") + entry_name(r);
    return out;
}

void check_identity(const archive::BundleManifest& m, const archive::DeviceIdentity& device,
                    const std::string& file, bool allow_other) {
    if (archive::same_device(m.identity, device) || allow_other) {
        if (!archive::same_device(m.identity, device))
            spdlog::warn("restoring {} (from {}) onto another device ({}) as requested", file,
                         archive::describe(m.identity), archive::describe(device));
        return;
    }
    throw SafetyError(fmt::format("{} belongs to another device ({}); this device is {}", file,
                                  archive::describe(m.identity), archive::describe(device)),
                      "nothing was written to the device",
                      "use this device's own backup (cellrescue backups list), or pass "
                      "--allow-other-device if you really mean to clone another module");
}

}  // namespace

PartitionBackupResult backup_partitions(const archive::BackupStore& store,
                                        const archive::DeviceIdentity& identity,
                                        std::span<const package::Region> regions,
                                        const RegionReader& read, const std::string& reason,
                                        const ProgressFn& progress,
                                        const std::map<std::string, Bytes>& incoming) {
    if (regions.empty()) throw UsageError("no regions to back up");
    auto path =
        store.new_bundle_path(archive::BundleKind::partition, identity, label_list(regions));
    archive::BundleWriter writer(path, archive::BundleKind::partition, identity,
                                 {{"reason", reason}});
    nlohmann::json content = nlohmann::json::object();  // backup_content.hpp: blank or not
    for (const auto& r : regions) {
        std::uint64_t expected = r.num_sectors * r.sector_size;
        std::uint64_t got = 0;
        std::string phase = "backup " + entry_name(r);
        auto next = incoming.find(entry_name(r));
        PartitionContentScan scan(entry_name(r), next == incoming.end() ? Bytes{} : next->second);
        writer.add_streamed(
            entry_name(r),
            [&](const ByteSink& sink) {
                read(r, [&](ByteView data) {
                    got += data.size();
                    if (got > expected)
                        throw ProtocolError(
                            fmt::format("{}: the device sent more than {} bytes", phase, expected));
                    sink(data);
                    scan.feed(data);
                    report(progress, {phase, "bytes", got, expected, false});
                });
                if (got != expected)
                    throw ProtocolError(
                        fmt::format("{}: got {} of {} bytes", phase, got, expected));
            },
            region_json(r, reason));
        content[entry_name(r)] = std::string(to_string(scan.result()));
        report(progress, {phase, "bytes", got, expected, true});
    }
    writer.metadata()["content"] = content;
    PartitionBackupResult result;
    result.manifest = writer.commit();
    result.file = path;
    spdlog::info("partition backup {} written ({})", path.string(), label_list(regions));
    return result;
}

package::Region region_of(const archive::BundleEntry& e) {
    const auto& m = e.metadata;
    auto num = [&](const char* key) -> std::uint64_t {
        if (!m.contains(key) || !m[key].is_number_unsigned())
            throw DecodeError(
                fmt::format("bundle entry '{}' lacks its partition address ({})", e.name, key), {},
                "this is not a partition bundle entry");
        return m[key].get<std::uint64_t>();
    };
    package::Region r;
    r.label = m.value("label", e.name);
    r.physical_partition = static_cast<std::uint32_t>(num("physical_partition"));
    r.sector_size = static_cast<std::uint32_t>(num("sector_size"));
    r.start_sector = num("start_sector");
    r.num_sectors = num("num_sectors");
    r.pages_per_block = static_cast<std::uint32_t>(m.value("pages_per_block", 0u));
    if (r.sector_size == 0 || r.num_sectors * r.sector_size != e.size)
        throw DecodeError(fmt::format("bundle entry '{}': {} bytes do not fill {} sectors of {}",
                                      e.name, e.size, r.num_sectors, r.sector_size));
    return r;
}

std::vector<RestoredPartition> restore_partitions(const std::filesystem::path& bundle,
                                                  const archive::DeviceIdentity& device,
                                                  const RegionWriter& write,
                                                  const RegionReader& read_back,
                                                  const PartitionRestoreOptions& options,
                                                  const ProgressFn& progress) {
    auto reader = archive::BundleReader::open(bundle, archive::BundleReader::Check::full);
    const auto& m = reader.manifest();
    if (m.kind != archive::BundleKind::partition)
        throw UsageError(fmt::format("{} is a {} bundle, not a partition bundle", bundle.string(),
                                     archive::to_string(m.kind)),
                         "nothing was written to the device", "use `cellrescue restore` for it");
    check_identity(m, device, bundle.string(), options.allow_other_device);
    std::vector<const archive::BundleEntry*> chosen;
    for (const auto& e : m.entries)
        if (options.only.empty() ||
            std::find(options.only.begin(), options.only.end(), e.name) != options.only.end())
            chosen.push_back(&e);
    if (chosen.empty())
        throw NotFoundError(fmt::format("{} has none of the requested entries", bundle.string()));
    std::vector<package::Region> regions;
    for (const auto* e : chosen) {
        regions.push_back(region_of(*e));
        reader.verify_entry(*e);  // every byte checked before the first write
    }
    std::vector<RestoredPartition> done;
    for (std::size_t i = 0; i < chosen.size(); ++i) {
        const auto& e = *chosen[i];
        std::string phase = "restore " + e.name;
        auto stream = reader.open_entry(e);
        std::uint64_t sent = 0;
        write(regions[i], e.size, [&](std::span<std::uint8_t> out) {
            std::size_t n = stream.read(out);
            sent += n;
            report(progress, {phase, "bytes", sent, e.size, false});
            return n;
        });
        std::uint8_t tail[1];
        if (stream.read(tail) != 0 || sent != e.size)  // reaching the end checks the SHA-256
            throw VerifyError(fmt::format("{}: {} of {} bytes were written", phase, sent, e.size));
        report(progress, {phase, "bytes", sent, e.size, true});
        RestoredPartition rp{e.name, e.size, e.sha256, false};
        if (options.verify) {
            Digest d(Digest::Algorithm::sha256);
            read_back(regions[i], [&](ByteView data) { d.update(data); });
            std::string got = d.finish_hex();
            if (got != e.sha256)
                throw VerifyError(
                    fmt::format("{}: read-back SHA-256 {} differs from the backup's {}", e.name,
                                got, e.sha256),
                    "the partition was written but does not match",
                    "run the restore again; if it keeps failing the flash may be "
                    "worn (bad blocks)");
            rp.verified = true;
        }
        done.push_back(rp);
    }
    return done;
}

}  // namespace cr::workflows
