// restore_snapshot: check everything, then per entry erase (NAND) / program / read back.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "protocols/at/settings_record.hpp"
#include "src/archive/backup_store.hpp"
#include "src/util/digest.hpp"
#include "src/util/error.hpp"
#include "src/workflows/backup/partition_backup.hpp"
#include "src/workflows/flash/flash_edl.hpp"
#include "src/workflows/restore/restore.hpp"
#include "src/workflows/snapshot/snapshot.hpp"
#include "src/workflows/snapshot/snapshot_identity.hpp"
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

std::vector<Chosen> choose(const archive::BundleReader& reader, const std::string& file,
                           const std::vector<std::string>& only) {
    std::vector<Chosen> chosen;
    for (const auto& e : reader.manifest().entries) {
        EntryLayout l = snapshot::layout_from_json(e.metadata, e.name, e.size);
        if (l.on_device() && wanted(only, e.name)) chosen.push_back({&e, l});
    }
    for (const auto& name : only)
        if (std::none_of(chosen.begin(), chosen.end(),
                         [&](const Chosen& c) { return c.entry->name == name; }))
            throw NotFoundError(
                fmt::format("{} has no partition '{}'", file, name),
                "nothing was written to the device",
                "the snapshot report (`cellrescue backups list`) lists its entries");
    return chosen;
}

// A partial restore writes at the recorded addresses: when the module's table now puts the
// partition elsewhere (another firmware layout), that would hit its neighbours.
void check_same_layout(EdlSession& s, const std::vector<Chosen>& chosen) {
    for (const auto& c : chosen) {
        if (c.layout.role != Role::partition) continue;
        const auto& r = c.layout.region;
        const auto& map = s.partitions().partitions;
        auto it = std::find_if(map.begin(), map.end(),
                               [&](const partition::Partition& p) { return p.name == r.label; });
        if (it != map.end() && it->lun == r.physical_partition &&
            it->start_sector == r.start_sector && it->num_sectors == r.num_sectors)
            continue;
        throw SafetyError(
            fmt::format("partition '{}' is not where the snapshot recorded it (LUN {}, sectors "
                        "{}+{}): the module's partition table changed since",
                        r.label, r.physical_partition, r.start_sector, r.num_sectors),
            "in EDL, Firehose running; nothing was written to the device",
            "restore the whole snapshot (its partition table included), without --only");
    }
}

std::string written_note(bool nand) {
    return nand ? "the partition was erased and partly written; the snapshot is unchanged"
                : "the partition was partly written; the snapshot is unchanged";
}

// Erase (NAND), program the runs that were not erased, read back and compare. Throws on a
// transport failure; a refusal or mismatch for this entry lands in `out.error`.
RestoredEntry write_entry(EdlSession& s, const archive::BundleReader& reader, const Chosen& c,
                          const ProgressFn& progress) {
    const auto& r = c.layout.region;
    const std::uint64_t ss = r.sector_size;
    RestoredEntry out;
    out.name = c.entry->name;
    out.bytes = c.entry->size;
    const bool nand = s.memory() == firehose::MemoryType::nand;
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
    try {
        if (nand) {
            s.firehose().erase(to_firehose_region(r));
            out.erased_first = true;
        }
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
    } catch (const ProtocolError& e) {
        if (!s.firehose().nop(Millis(5000))) throw;  // the programmer is gone, not refusing
        out.error = fmt::format(
            "the programmer refused it ({}){}; {}", e.what(),
            nand ? ": a block of this partition has probably gone bad since the snapshot, so "
                   "its data no longer fits the partition's good blocks"
                 : "",
            written_note(nand));
        return out;
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
    if (got != c.entry->sha256) {
        out.error = fmt::format(
            "read back SHA-256 {} differs from the snapshot's {}{}; {}", got, c.entry->sha256,
            nand ? " (a block may have gone bad since the snapshot)" : "", written_note(nand));
        return out;
    }
    out.verified = true;
    return out;
}

std::optional<at::settings::SettingsRecord> settings_of(const archive::BundleReader& reader) {
    const auto* e = reader.find("settings.json");
    if (!e) return std::nullopt;
    Bytes b = reader.read_entry(*e);
    return at::settings::record_from_json(nlohmann::json::parse(b.begin(), b.end()));
}

// --other-device --imei: this module's own calibration partitions, before they are overwritten.
std::filesystem::path back_up_own_calibration(EdlSession& s, const archive::DeviceIdentity& id,
                                              const SnapshotRestoreOptions& o) {
    std::vector<package::Region> regions;
    for (const auto& p : s.partitions().partitions)
        if (p.calibration)
            regions.push_back({p.name, p.lun, s.sector_size(), p.start_sector, p.num_sectors,
                               s.pages_per_block()});
    archive::BackupStore store(o.store_dir);
    auto reader = [&](const package::Region& r, const ByteSink& sink) {
        s.firehose().read(to_firehose_region(r), sink);
    };
    return backup_partitions(store, id, regions, reader,
                             "before restoring another module's snapshot", o.progress)
        .file;
}

void after_reset(Device& device, const archive::BundleReader& reader, bool imei_needed,
                 const SnapshotRestoreOptions& o, SnapshotRestoreReport& rep) {
    auto saved = settings_of(reader);
    if (!imei_needed && (!o.restore_settings || !saved)) {
        if (!saved) rep.notes.push_back("the snapshot holds no settings record");
        return;
    }
    try {
        wait_until_at_answers(device, o.come_back);
        if (imei_needed) rep.imeis_after = correct_imei(device, o.imeis, o.progress);
    } catch (const Error& e) {
        rep.notes.push_back(fmt::format("IMEI NOT corrected: {}", e.what()));
        throw;
    }
    if (!o.restore_settings || !saved) return;
    try {
        rep.settings = apply_device_settings(device, *saved);
    } catch (const Error& e) {
        rep.notes.push_back(fmt::format("settings not re-applied: {}", e.what()));
        rep.settings = SettingsApplyReport{};
        rep.settings->settings.push_back({"*", "", "", {}, {}, "failed", e.what()});
    }
}

}  // namespace

bool SnapshotRestoreReport::ok() const {
    for (const auto& e : entries)
        if (!e.verified) return false;
    return !settings || settings->verified();
}

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
            throw DecodeError(fmt::format("{}: settings.json is not JSON", file.string()), {},
                              "the snapshot is damaged; nothing was written");
        at::settings::record_from_json(j);
    }
    return reader;
}

SnapshotRestoreReport restore_snapshot(Device& device, const std::filesystem::path& file,
                                       const SnapshotRestoreOptions& o) {
    SnapshotRestoreReport rep;
    rep.file = file;
    auto reader = open_snapshot(file);  // before the device is touched
    const auto& snap_id = reader.manifest().identity;
    snapshot::check_imeis(o.imeis, snap_id);
    if (o.imeis.imei && !o.other_device)
        throw UsageError("--imei is for --other-device (a module's own snapshot has its IMEI)",
                         "nothing was written to the device", "leave out --imei");
    if (o.imeis.imei && !o.reset)
        throw UsageError("--imei needs the reset (the IMEI is corrected in normal mode)",
                         "nothing was written to the device", "leave out --no-reset");
    std::vector<Chosen> chosen = choose(reader, file.string(), o.only);
    const bool was_normal = device.mode() == DeviceMode::normal;
    if (was_normal) {  // refuse another module's snapshot before the switch to EDL
        archive::DeviceIdentity now = snapshot::identity_in_normal_mode(device, rep.notes);
        snapshot::check_target_in_normal_mode(snap_id, now, file.string(), o.other_device);
    }
    ensure_edl(device);
    auto session = EdlSession::open(device, o.edl);
    archive::DeviceIdentity id = snapshot::identity_in_edl(*session);
    bool foreign = false;
    try {
        foreign = snapshot::check_target(snap_id, id, file.string(), o.other_device) ==
                  snapshot::Match::other;
        if (!o.only.empty()) check_same_layout(*session, chosen);
    } catch (const SafetyError& e) {
        if (!was_normal) throw;
        session->reset();  // it came in normal mode: send it back, untouched
        throw SafetyError(e.what(), "back in normal mode; nothing was written to the device",
                          e.next_step());
    }
    bool imei_needed = false;
    for (const auto& c : chosen) {
        if (foreign && partition::is_calibration_name(c.entry->name)) {
            if (!o.imeis.imei) {
                rep.skipped.push_back(c.entry->name +
                                      ": calibration of another module (its IMEI and RF "
                                      "calibration), not written: give --imei with this "
                                      "module's own IMEI to copy it");
                continue;
            }
            if (!rep.own_calibration)
                rep.own_calibration = back_up_own_calibration(*session, id, o);
            imei_needed = true;
        }
        rep.entries.push_back(write_entry(*session, reader, c, o.progress));
    }
    if (!o.reset) {
        rep.notes.push_back("the module stays in EDL (no reset): settings not re-applied");
        return rep;
    }
    session->reset();
    session.reset();
    after_reset(device, reader, imei_needed, o, rep);
    return rep;
}

nlohmann::json to_json(const SnapshotRestoreReport& r) {
    nlohmann::json j{{"file", r.file.string()},      {"ok", r.ok()},
                     {"skipped", r.skipped},         {"notes", r.notes},
                     {"imeis_after", r.imeis_after}, {"entries", nlohmann::json::array()}};
    if (r.own_calibration) j["own_calibration_backup"] = r.own_calibration->string();
    for (const auto& e : r.entries) {
        j["entries"].push_back({{"name", e.name},
                                {"bytes", e.bytes},
                                {"programmed_sectors", e.programmed_sectors},
                                {"skipped_erased_sectors", e.skipped_erased},
                                {"erased_first", e.erased_first},
                                {"verified", e.verified}});
        if (!e.error.empty()) j["entries"].back()["error"] = e.error;
    }
    if (r.settings) j["settings"] = to_json(*r.settings);
    return j;
}

std::string describe(const SnapshotRestoreReport& r) {
    std::size_t failed = std::count_if(r.entries.begin(), r.entries.end(),
                                       [](const RestoredEntry& e) { return !e.verified; });
    std::string out =
        fmt::format("restored {} partitions from {}{}:\n", r.entries.size() - failed,
                    r.file.string(), failed ? fmt::format(", {} FAILED", failed) : std::string());
    for (const auto& e : r.entries)
        out += fmt::format("  {:<24} {:>12} bytes{}{}\n", e.name, e.bytes,
                           e.skipped_erased
                               ? fmt::format(", {} erased pages left erased", e.skipped_erased)
                               : std::string(),
                           e.verified ? ", read back and verified" : ": FAILED: " + e.error);
    for (const auto& s : r.skipped) out += "  skipped " + s + "\n";
    if (r.own_calibration)
        out +=
            "  this module's own calibration was backed up first: " + r.own_calibration->string() +
            "\n";
    for (const auto& i : r.imeis_after) out += "  IMEI now " + i + "\n";
    if (r.settings) out += describe(*r.settings);
    for (const auto& n : r.notes) out += "  note: " + n + "\n";
    return out;
}

}  // namespace cr::workflows
