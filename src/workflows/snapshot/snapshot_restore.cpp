// restore_snapshot: check everything, then per entry erase (NAND) / program / read back.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "protocols/at/settings_record.hpp"
#include "src/util/digest.hpp"
#include "src/util/error.hpp"
#include "src/workflows/flash/flash_edl.hpp"
#include "src/workflows/snapshot/snapshot.hpp"
#include "src/workflows/snapshot/snapshot_layout.hpp"

namespace cr::workflows {
namespace {

using snapshot::EntryLayout;
using snapshot::Role;

struct Chosen {
    const archive::BundleEntry* entry;
    EntryLayout layout;
};

bool wanted(const std::vector<std::string>& only, const std::string& name) {
    return only.empty() || std::find(only.begin(), only.end(), name) != only.end();
}

void check_device(const archive::BundleManifest& m, const archive::DeviceIdentity& device,
                  const std::string& file, bool other) {
    if (archive::same_device(m.identity, device)) return;
    if (other) {
        spdlog::warn("restoring {} (from {}) onto another device ({}) as requested", file,
                     archive::describe(m.identity), archive::describe(device));
        return;
    }
    throw SafetyError(fmt::format("{} is a snapshot of another device ({}); this device is {}",
                                  file, archive::describe(m.identity), archive::describe(device)),
                      "in EDL, Firehose running; nothing was written to the device",
                      "use this module's own snapshot, or --other-device to copy the other "
                      "module's partitions (its calibration is never copied)");
}

// Erase (NAND), program the runs that were not erased, read back and compare.
RestoredEntry write_entry(EdlSession& s, const archive::BundleReader& reader, const Chosen& c,
                          const ProgressFn& progress) {
    const auto& r = c.layout.region;
    const std::uint64_t ss = r.sector_size;
    RestoredEntry out{c.entry->name, c.entry->size};
    const bool nand = s.memory() == firehose::MemoryType::nand;
    if (nand) {
        s.firehose().erase(to_firehose_region(r));
        out.erased_first = true;
    }
    auto runs = nand ? snapshot::programmed_runs(c.layout)
                     : std::vector<snapshot::SectorRun>{{0, r.num_sectors}};
    auto stream = reader.open_entry(*c.entry);
    Bytes skip(256 * 1024);
    std::uint64_t at = 0;  // sectors of the entry consumed
    std::string phase = "restore " + c.entry->name;
    auto consume = [&](std::uint64_t bytes) {  // pass over erased pages in the stream
        while (bytes) {
            std::size_t n =
                stream.read(std::span(skip.data(), std::min<std::uint64_t>(bytes, skip.size())));
            if (n == 0) throw VerifyError(fmt::format("{}: the entry ended early", phase));
            bytes -= n;
        }
    };
    for (const auto& run : runs) {
        consume((run.first - at) * ss);
        package::Region part = r;
        part.start_sector = r.start_sector + run.first;
        part.num_sectors = run.count;
        std::uint64_t sent = 0, total = run.count * ss;
        s.firehose().program(to_firehose_region(part), total, [&](std::span<std::uint8_t> o) {
            std::size_t n =
                stream.read(o.subspan(0, std::min<std::uint64_t>(o.size(), total - sent)));
            sent += n;
            report(progress, {phase, "bytes", (run.first * ss) + sent, c.entry->size, false});
            return n;
        });
        out.programmed_sectors += run.count;
        at = run.first + run.count;
    }
    consume((r.num_sectors - at) * ss);
    std::uint8_t tail[1];
    if (stream.read(tail) != 0)
        throw VerifyError(fmt::format("{}: the entry is longer than its region", phase));
    out.skipped_erased = r.num_sectors - out.programmed_sectors;
    report(progress, {phase, "bytes", c.entry->size, c.entry->size, true});
    Digest d(Digest::Algorithm::sha256);
    s.firehose().read(to_firehose_region(r), [&](ByteView data) { d.update(data); });
    std::string got = d.finish_hex();
    if (got != c.entry->sha256)
        throw VerifyError(
            fmt::format("{}: read-back SHA-256 {} differs from the snapshot's {}", c.entry->name,
                        got, c.entry->sha256),
            "in EDL; the partition was written but does not read back as in the snapshot",
            nand ? "a block may have gone bad since the snapshot (the data no longer fits its "
                   "partition's good blocks); run the restore again and keep the snapshot"
                 : "run the restore again; keep the snapshot");
    out.verified = true;
    return out;
}

std::optional<at::settings::SettingsRecord> settings_of(const archive::BundleReader& reader) {
    const auto* e = reader.find("settings.json");
    if (!e) return std::nullopt;
    Bytes b = reader.read_entry(*e);
    return at::settings::record_from_json(nlohmann::json::parse(b.begin(), b.end()));
}

}  // namespace

archive::BundleReader open_snapshot(const std::filesystem::path& file) {
    auto reader = archive::BundleReader::open(file, archive::BundleReader::Check::full);
    const auto& m = reader.manifest();
    if (m.kind != archive::BundleKind::snapshot)
        throw UsageError(fmt::format("{} is a {} bundle, not a snapshot", file.string(),
                                     archive::to_string(m.kind)),
                         "nothing was written to the device",
                         "partition bundles go back with `cellrescue edl restore-partition`");
    for (const auto& e : m.entries) snapshot::layout_from_json(e.metadata, e.name, e.size);
    reader.verify_all();
    if (const auto* e = reader.find("settings.json")) {
        Bytes b = reader.read_entry(*e);
        auto j = nlohmann::json::parse(b.begin(), b.end(), nullptr, false);
        if (j.is_discarded())
            throw DecodeError(fmt::format("{}: settings.json is not JSON", file.string()));
        at::settings::record_from_json(j);
    }
    return reader;
}

SnapshotRestoreReport restore_snapshot(Device& device, const std::filesystem::path& file,
                                       const SnapshotRestoreOptions& o) {
    SnapshotRestoreReport rep;
    rep.file = file;
    auto reader = open_snapshot(file);  // before the device is touched
    std::vector<Chosen> chosen;
    for (const auto& e : reader.manifest().entries) {
        EntryLayout l = snapshot::layout_from_json(e.metadata, e.name, e.size);
        if (l.on_device() && wanted(o.only, e.name)) chosen.push_back({&e, l});
    }
    for (const auto& name : o.only)
        if (std::none_of(chosen.begin(), chosen.end(),
                         [&](const Chosen& c) { return c.entry->name == name; }))
            throw NotFoundError(
                fmt::format("{} has no partition '{}'", file.string(), name),
                "nothing was written to the device",
                "`cellrescue backups list` / the snapshot report lists its entries");
    ensure_edl(device);
    auto session = EdlSession::open(device, o.edl);
    archive::DeviceIdentity id = edl_identity(*session);
    check_device(reader.manifest(), id, file.string(), o.other_device);
    const bool foreign = !archive::same_device(reader.manifest().identity, id);
    for (const auto& c : chosen) {
        if (foreign && partition::is_calibration_name(c.entry->name)) {
            rep.skipped.push_back(c.entry->name +
                                  ": calibration of another module (its IMEI and RF calibration "
                                  "are not this module's), not written");
            continue;
        }
        rep.entries.push_back(write_entry(*session, reader, c, o.progress));
    }
    if (!o.reset) {
        rep.notes.push_back("the module stays in EDL (no reset): settings not re-applied");
        return rep;
    }
    session->reset();
    session.reset();
    auto saved = settings_of(reader);
    if (!o.restore_settings || !saved) {
        if (!saved) rep.notes.push_back("the snapshot holds no settings record");
        return rep;
    }
    try {
        wait_until_at_answers(device, o.come_back);
        rep.settings = apply_device_settings(device, *saved);
    } catch (const Error& e) {
        rep.notes.push_back(fmt::format("settings not re-applied: {}", e.what()));
        rep.settings = SettingsApplyReport{};
        rep.settings->settings.push_back({"*", "", "", {}, {}, "failed", e.what()});
    }
    return rep;
}

nlohmann::json to_json(const SnapshotRestoreReport& r) {
    nlohmann::json j{{"file", r.file.string()},
                     {"ok", r.ok()},
                     {"skipped", r.skipped},
                     {"notes", r.notes},
                     {"entries", nlohmann::json::array()}};
    for (const auto& e : r.entries)
        j["entries"].push_back({{"name", e.name},
                                {"bytes", e.bytes},
                                {"programmed_sectors", e.programmed_sectors},
                                {"skipped_erased_sectors", e.skipped_erased},
                                {"erased_first", e.erased_first},
                                {"verified", e.verified}});
    if (r.settings) j["settings"] = to_json(*r.settings);
    return j;
}

std::string describe(const SnapshotRestoreReport& r) {
    std::string out = fmt::format("restored {} from {}:\n", r.entries.size(), r.file.string());
    for (const auto& e : r.entries)
        out += fmt::format("  {:<24} {:>12} bytes{}{}\n", e.name, e.bytes,
                           e.skipped_erased
                               ? fmt::format(", {} erased pages left erased", e.skipped_erased)
                               : std::string(),
                           e.verified ? ", read back and verified" : "");
    for (const auto& s : r.skipped) out += "  skipped " + s + "\n";
    if (r.settings) out += describe(*r.settings);
    for (const auto& n : r.notes) out += "  note: " + n + "\n";
    return out;
}

}  // namespace cr::workflows
