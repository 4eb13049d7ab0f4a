// take_snapshot: normal-mode data first (settings, calibration), then every partition in EDL.
#include "src/workflows/snapshot/snapshot.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <fstream>

#include "protocols/partition/gpt.hpp"
#include "src/archive/backup_store.hpp"
#include "src/util/error.hpp"
#include "src/workflows/backup/backup.hpp"
#include "src/workflows/flash/flash_edl.hpp"
#include "src/workflows/settings/settings_flash.hpp"
#include "src/workflows/snapshot/snapshot_identity.hpp"
#include "src/workflows/snapshot/snapshot_layout.hpp"

namespace cr::workflows {
namespace {

using snapshot::EntryLayout;
using snapshot::Role;

struct NormalModeData {
    std::optional<at::settings::SettingsRecord> settings;
    std::optional<std::filesystem::path> calibration;  // bundle in the store
};

NormalModeData read_normal_mode(Device& device, const SnapshotOptions& o, SnapshotReport& rep) {
    NormalModeData d;
    if (!o.normal_mode_data || device.mode() != DeviceMode::normal) {
        rep.notes.push_back(fmt::format(
            "settings and DIAG calibration not included: {} (the raw calibration partitions "
            "are in the snapshot)",
            o.normal_mode_data ? "the module was not in normal mode" : "--edl-only"));
        return d;
    }
    FlashSettings fs = capture_settings_before_flash(device);
    d.settings = fs.before;
    for (auto& n : fs.notes) rep.notes.push_back(n);
    try {
        BackupOptions b;
        b.store_dir = o.store_dir;
        b.model = o.model;
        b.progress = o.progress;
        d.calibration = backup(device, b).bundle;
    } catch (const Error& e) {
        rep.notes.push_back(fmt::format("calibration over DIAG not included: {}", e.what()));
    }
    return d;
}

package::Region region_for(EdlSession& s, const partition::Partition& p) {
    return {p.name, p.lun, s.sector_size(), p.start_sector, p.num_sectors, s.pages_per_block()};
}

Bytes read_bytes(EdlSession& s, const package::Region& r) {
    Bytes out;
    s.firehose().read(to_firehose_region(r),
                      [&](ByteView d) { out.insert(out.end(), d.begin(), d.end()); });
    return out;
}

// Both GPT copies of a LUN: LBA 0 up to the first usable LBA, and the backup entry array and
// header after the last usable LBA.
std::vector<EntryLayout> gpt_copies(EdlSession& s, std::uint32_t lun) {
    std::uint32_t ss = s.sector_size();
    Bytes hdr = read_bytes(s, {"gpt_header", lun, ss, 1, 1, 0});
    partition::GptHeader h = partition::parse_gpt_header(hdr, ss);
    if (h.backup_lba <= h.last_usable || h.first_usable == 0)
        throw DecodeError(fmt::format("GPT header of LUN {}: usable {}..{}, backup at {}", lun,
                                      h.first_usable, h.last_usable, h.backup_lba));
    EntryLayout primary{Role::gpt_primary,
                        {fmt::format("gpt_primary/lun{}", lun), lun, ss, 0, h.first_usable, 0},
                        {}};
    EntryLayout backup{Role::gpt_backup,
                       {fmt::format("gpt_backup/lun{}", lun), lun, ss, h.last_usable + 1,
                        h.backup_lba - h.last_usable, 0},
                       {}};
    return {primary, backup};
}

std::string entry_name(const EntryLayout& l) {
    return l.region.label;
}

void add_device_entry(archive::BundleWriter& w, EdlSession& s, const EntryLayout& layout,
                      const ProgressFn& progress, SnapshotReport& rep) {
    const package::Region& r = layout.region;
    const std::string name = entry_name(layout);
    const std::uint64_t expected = r.num_sectors * r.sector_size;
    const bool nand = r.pages_per_block != 0;
    snapshot::ErasedTracker erased(r.sector_size);
    std::uint64_t got = 0;
    std::string phase = "snapshot " + name;
    w.add_streamed(
        name,
        [&](const ByteSink& sink) {
            s.firehose().read(to_firehose_region(r), [&](ByteView d) {
                got += d.size();
                if (got > expected)
                    throw ProtocolError(
                        fmt::format("{}: the device sent more than {} bytes", phase, expected));
                if (nand) erased.update(d);
                sink(d);
                report(progress, {phase, "bytes", got, expected, false});
            });
            if (got != expected)
                throw ProtocolError(fmt::format("{}: got {} of {} bytes", phase, got, expected));
        },
        snapshot::to_json(layout));
    EntryLayout done = layout;
    if (nand) done.erased = erased.finish();
    w.entry_metadata(name) = snapshot::to_json(done);
    report(progress, {phase, "bytes", got, expected, true});
    std::uint64_t erased_sectors = 0;
    for (const auto& e : done.erased) erased_sectors += e.count;
    rep.entries.push_back(
        {name, std::string(snapshot::to_string(layout.role)), expected, erased_sectors, {}});
}

void add_file_entry(archive::BundleWriter& w, const std::string& name, Role role,
                    const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw IoError(fmt::format("cannot read {}", file.string()));
    w.add_streamed(
        name,
        [&](const ByteSink& sink) {
            Bytes buf(256 * 1024);
            while (in) {
                in.read(reinterpret_cast<char*>(buf.data()),
                        static_cast<std::streamsize>(buf.size()));
                if (in.gcount() > 0)
                    sink(ByteView(buf.data(), static_cast<std::size_t>(in.gcount())));
            }
        },
        snapshot::to_json(EntryLayout{role, {}, {}}));
}

std::vector<EntryLayout> device_layout(EdlSession& s) {
    const partition::PartitionMap& map = s.partitions();
    std::vector<EntryLayout> out, backups;
    if (map.source == "gpt") {
        std::vector<std::uint32_t> luns;
        for (const auto& p : map.partitions)
            if (std::find(luns.begin(), luns.end(), p.lun) == luns.end()) luns.push_back(p.lun);
        for (std::uint32_t lun : luns) {
            auto copies = gpt_copies(s, lun);
            out.push_back(copies[0]);
            backups.push_back(copies[1]);
        }
    }
    for (const auto& p : map.partitions) out.push_back({Role::partition, region_for(s, p), {}});
    out.insert(out.end(), backups.begin(), backups.end());
    return out;
}

}  // namespace

SnapshotReport take_snapshot(Device& device, const SnapshotOptions& o) {
    auto t0 = std::chrono::steady_clock::now();
    SnapshotReport rep;
    NormalModeData normal = read_normal_mode(device, o, rep);
    ensure_edl(device);
    auto session = EdlSession::open(device, o.edl);
    rep.identity = snapshot::identity_in_edl(*session, o.model);
    if (normal.settings && !normal.settings->module.imei.empty())
        rep.identity.imeis.push_back(normal.settings->module.imei);
    if (normal.settings) rep.identity.firmware = normal.settings->module.firmware;
    rep.storage = std::string(firehose::to_string(session->memory()));
    rep.table = session->partitions().source;
    std::vector<EntryLayout> layout = device_layout(*session);

    archive::BackupStore store(o.store_dir);
    rep.file = o.output
                   ? *o.output
                   : store.new_bundle_path(archive::BundleKind::snapshot, rep.identity, "snapshot");
    nlohmann::json meta{{"snapshot",
                         {{"version", 1},
                          {"storage", rep.storage},
                          {"table", rep.table},
                          {"sector_size", session->sector_size()},
                          {"pages_per_block", session->pages_per_block()},
                          {"device", device.name()}}}};
    archive::BundleWriter w(rep.file, archive::BundleKind::snapshot, rep.identity, meta);
    if (normal.settings) {
        std::string text = at::settings::to_json(*normal.settings).dump(2);
        w.add("settings.json",
              ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()),
              snapshot::to_json(EntryLayout{Role::settings, {}, {}}));
        rep.settings = true;
    }
    if (normal.calibration) {
        add_file_entry(w, "calibration.crb", Role::calibration, *normal.calibration);
        rep.calibration = true;
    }
    for (const auto& l : layout) add_device_entry(w, *session, l, o.progress, rep);
    archive::BundleManifest m = w.commit();  // re-reads and verifies every entry
    for (auto& e : rep.entries)
        if (const auto* b = [&]() -> const archive::BundleEntry* {
                for (const auto& x : m.entries)
                    if (x.name == e.name) return &x;
                return nullptr;
            }())
            e.sha256 = b->sha256;
    rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    spdlog::info("snapshot {} written: {} partitions", rep.file.string(), rep.entries.size());
    return rep;
}

nlohmann::json to_json(const SnapshotReport& r) {
    nlohmann::json j{{"file", r.file.string()},
                     {"identity", archive::to_json(r.identity)},
                     {"storage", r.storage},
                     {"table", r.table},
                     {"settings", r.settings},
                     {"calibration", r.calibration},
                     {"notes", r.notes},
                     {"seconds", r.seconds},
                     {"entries", nlohmann::json::array()}};
    for (const auto& e : r.entries)
        j["entries"].push_back({{"name", e.name},
                                {"role", e.role},
                                {"bytes", e.bytes},
                                {"erased_sectors", e.erased_sectors},
                                {"sha256", e.sha256}});
    return j;
}

std::string describe(const SnapshotReport& r) {
    std::uint64_t total = 0;
    for (const auto& e : r.entries) total += e.bytes;
    std::string out =
        fmt::format("snapshot of {} ({} {}) written and verified: {}\n",
                    archive::describe(r.identity), r.storage, r.table, r.file.string());
    for (const auto& e : r.entries)
        out += fmt::format(
            "  {:<24} {:>12} bytes{}\n", e.name, e.bytes,
            e.erased_sectors ? fmt::format(", {} erased pages", e.erased_sectors) : std::string());
    out += fmt::format("  {} partitions, {} bytes in {:.1f} s; settings: {}; calibration: {}\n",
                       r.entries.size(), total, r.seconds, r.settings ? "yes" : "no",
                       r.calibration ? "yes" : "no");
    for (const auto& n : r.notes) out += "  note: " + n + "\n";
    return out;
}

}  // namespace cr::workflows
