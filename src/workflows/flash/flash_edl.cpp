#include "src/workflows/flash/flash_edl.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <fstream>

#include "src/package/package.hpp"
#include "src/util/error.hpp"
#include "src/workflows/backup/nand_write.hpp"
#include "src/workflows/session/diag_edl_switch.hpp"

namespace cr::workflows {
namespace {

firehose::Region step_region(const package::FlashStep& s, std::uint64_t num_sectors) {
    firehose::Region r;
    r.sector_size = s.op.sector_size;
    r.physical_partition = s.op.physical_partition;
    r.start_sector = s.op.start_sector;  // the programmer evaluates expressions itself
    r.num_sectors = num_sectors;
    r.label = s.op.label;
    r.filename = s.file ? s.file->filename().string() : s.op.filename;
    r.pages_per_block = s.op.pages_per_block;
    if (s.op.last_sector) r.last_sector = package::eval_sector(*s.op.last_sector, std::nullopt);
    return r;
}

ProgressFn renamed(const ProgressFn& progress, std::string phase) {
    if (!progress) return {};
    return [progress, phase](const ProgressEvent& e) {
        ProgressEvent copy = e;
        copy.phase = phase;
        progress(copy);
    };
}

}  // namespace

void ensure_edl(Device& device) {
    DeviceMode mode = device.mode();
    if (mode == DeviceMode::edl) return;
    if (mode == DeviceMode::normal) {
        spdlog::info("{} is in normal mode: switching it to EDL over DIAG", device.name());
        enter_edl_via_diag(device);
        return;
    }
    throw NotFoundError(fmt::format("{} is not in EDL mode ({})", device.name(), to_string(mode)),
                        std::string(to_string(mode)),
                        "put the module in EDL: `cellrescue edl enter`, or short the EDL/boot "
                        "pins while powering it (it then shows as 05c6:9008)");
}

archive::DeviceIdentity edl_identity(EdlSession& session, const std::string& model) {
    archive::DeviceIdentity id;
    const ChipIdentity& chip = session.chip();
    if (chip.serial) id.chip_serial = fmt::format("{:#010x}", chip.serial);
    if (chip.msm_hw_id) id.msm_hw_id = fmt::format("{:#010x}", chip.msm_hw_id);
    id.pk_hash = chip.pk_hash_hex;
    id.model = model.empty() ? session.configuration().target_name : model;
    return id;
}

firehose::Region to_firehose_region(const package::Region& r) {
    firehose::Region f = firehose::Region::sectors(r.sector_size, r.physical_partition,
                                                   r.start_sector, r.num_sectors, r.label);
    f.pages_per_block = r.pages_per_block;
    return f;
}

EdlFlashTarget::EdlFlashTarget(EdlSession& session, archive::DeviceIdentity identity)
    : session_(session), identity_(std::move(identity)) {}

std::optional<std::uint64_t> EdlFlashTarget::num_disk_sectors(std::uint32_t lun) {
    try {
        auto info = session_.firehose().storage_info(lun);
        if (session_.memory() == firehose::MemoryType::nand)
            return info.total_blocks * session_.pages_per_block();
        return info.total_blocks;
    } catch (const ProtocolError& e) {
        spdlog::debug("getstorageinfo failed: {}", e.what());
        return std::nullopt;
    }
}

std::optional<package::StorageFacts> EdlFlashTarget::storage() {
    try {
        auto info = session_.firehose().storage_info(0);
        package::StorageFacts f;
        f.memory = std::string(firehose::to_string(session_.memory()));
        f.sector_size = session_.sector_size();
        f.pages_per_block = session_.pages_per_block();
        f.luns = info.num_physical;
        return f;
    } catch (const ProtocolError& e) {
        spdlog::warn("getstorageinfo failed ({}): the package's fit is checked by the device only",
                     e.what());
        return std::nullopt;
    }
}

std::vector<package::Region> EdlFlashTarget::calibration_partitions() {
    std::vector<package::Region> out;
    try {
        const auto& map = session_.partitions();
        for (const auto& p : map.partitions)
            if (p.calibration)
                out.push_back({p.name, p.lun, map.sector_size, p.start_sector, p.num_sectors,
                               session_.pages_per_block()});
    } catch (const Error& e) {
        spdlog::warn(
            "cannot read the partition table ({}): calibration is recognised by label "
            "and the factory XML only",
            e.what());
    }
    return out;
}

void EdlFlashTarget::read(const package::Region& region, const ByteSink& sink,
                          const ProgressFn& progress) {
    session_.firehose().read(
        to_firehose_region(region), [&](ByteView d) { sink(d); },
        renamed(progress, "backup " + region.label));
}

void EdlFlashTarget::erase(const package::FlashStep& step) {
    session_.firehose().erase(step_region(step, step.op.num_sectors));
}

// A sparse image goes out as one program per piece of data: DONT_CARE holes are never sent.
void EdlFlashTarget::program_sparse(const package::FlashStep& step, const ProgressFn& progress) {
    if (!step.region)
        throw DecodeError(fmt::format("{}: the start of sparse image {} cannot be resolved",
                                      step.op.origin, step.op.filename),
                          "nothing of it was written", "flash the unsparse set instead");
    const std::uint32_t ss = step.op.sector_size;
    constexpr std::uint64_t kPiece = 4u << 20;  // bytes per program command
    package::write_sparse_pieces(
        *step.file, *step.sparse, kPiece, step.op.origin,
        [&](std::uint64_t offset, std::span<const std::uint8_t> piece) {
            package::FlashStep part = step;
            part.op.start_sector = std::to_string(step.region->start_sector + offset / ss);
            std::size_t at = 0;
            auto source = [&](std::span<std::uint8_t> out) -> std::size_t {
                std::size_t n = std::min(out.size(), piece.size() - at);
                std::copy_n(piece.begin() + static_cast<std::ptrdiff_t>(at), n, out.begin());
                at += n;
                return n;
            };
            session_.firehose().program(step_region(part, piece.size() / ss), piece.size(), source,
                                        renamed(progress, "program " + step.op.label));
        });
}

void EdlFlashTarget::program(const package::FlashStep& step, const ProgressFn& progress) {
    if (step.sparse) return program_sparse(step, progress);
    std::ifstream in(*step.file, std::ios::binary);
    if (!in) throw IoError(fmt::format("cannot open {}", step.file->string()));
    in.seekg(static_cast<std::streamoff>(step.op.file_sector_offset * step.op.sector_size));
    std::uint64_t left = step.file_bytes;
    auto source = [&](std::span<std::uint8_t> out) -> std::size_t {
        std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), left));
        in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(want));
        auto n = static_cast<std::size_t>(in.gcount());
        left -= n;
        return n;
    };
    std::uint64_t sectors = step.bytes / step.op.sector_size;
    session_.firehose().program(step_region(step, sectors), step.file_bytes, source,
                                renamed(progress, "program " + step.op.label));
}

void EdlFlashTarget::patch(const package::RawOp& op) {
    firehose::Patch p;
    p.sector_size = op.sector_size;
    p.physical_partition = op.physical_partition;
    p.start_sector = op.start_sector;
    p.byte_offset = op.byte_offset;
    p.size_in_bytes = op.size_in_bytes;
    p.value = op.value;
    p.what = op.what;
    session_.firehose().patch(p);
}

void EdlFlashTarget::reset() {
    session_.reset();
}

FlashReport plan_flash_on_device(Device& device, const FlashOptions& options) {
    check_flash_overrides(options);
    package::Package pkg = package::open_package(options.package, package_options(options));
    if (device.mode() != DeviceMode::edl) {  // never switched for a dry run
        FlashReport r = plan_flash(options);
        r.notes.push_back(
            fmt::format("storage NOT checked against {}: it is in {} mode, not "
                        "EDL (the flash itself checks it before writing)",
                        device.name(), to_string(device.mode())));
        return r;
    }
    EdlOptions edl;
    edl.programmer = pkg.programmer();
    edl.programmer_dir = options.programmer_dir;
    auto session = EdlSession::open(device, edl);
    EdlFlashTarget target(*session, edl_identity(*session));
    return plan_flash(target, options);  // getstorageinfo and the partition table: reads only
}

FlashReport flash_package(Device& device, const FlashOptions& options) {
    if (options.dry_run) return plan_flash(options);
    check_flash_overrides(options);
    package::Package pkg =
        package::open_package(options.package, package_options(options));  // before the device
    package::make_flash_plan(pkg, {});  // the plan's own checks, still without the device
    FlashSettings settings = capture_settings_before_flash(device);  // normal mode only
    ensure_edl(device);
    EdlOptions edl;
    edl.programmer = pkg.programmer();
    edl.programmer_dir = options.programmer_dir;
    edl.progress = options.progress;
    FlashReport report;
    {
        auto session = EdlSession::open(device, edl);
        archive::DeviceIdentity identity = edl_identity(*session);
        store_settings_before_flash(settings, options.backup_dir, identity,
                                    "before flashing " + options.package.filename().string());
        EdlFlashTarget target(*session, identity);
        report = execute_flash(target, pkg, options);
    }  // the EDL session ends here (the module resets when options.reset)
    if (options.reset)
        compare_settings_after_flash(device, settings, options.restore_settings);
    else if (settings.before)
        settings.notes.push_back("settings not compared: the module stays in EDL (no reset)");
    report.settings = std::move(settings);
    return report;
}

std::vector<RestoredPartition> restore_partition_bundle(Device& device,
                                                        const PartitionRestoreRequest& request,
                                                        const ProgressFn& progress) {
    // Check the bundle fully before touching the device at all.
    archive::BundleReader::open(request.bundle, archive::BundleReader::Check::full).verify_all();
    ensure_edl(device);
    auto session = EdlSession::open(device, request.edl);
    auto identity = edl_identity(*session);
    auto write = [&](const package::Region& r, std::uint64_t bytes, const SourceFn& source) {
        session->firehose().program(to_firehose_region(r), bytes, source,
                                    renamed(progress, "restore " + r.label));
    };
    auto read_back = [&](const package::Region& r, const ByteSink& sink) {
        session->firehose().read(
            to_firehose_region(r), [&](ByteView d) { sink(d); },
            renamed(progress, "verify " + r.label));
    };
    auto write_with_erase = [&](const package::Region& r, std::uint64_t bytes,
                                const SourceFn& source) {
        if (session->memory() != firehose::MemoryType::nand) return write(r, bytes, source);
        // NAND: erase the blocks, then program only pages holding data (nand_write.hpp).
        session->firehose().erase(to_firehose_region(r));
        auto stats = write_skipping_erased_pages(r, bytes, source, write);
        spdlog::info("restore {}: {} pages programmed, {} erased (all-0xFF) pages left erased",
                     r.label, stats.pages_programmed, stats.pages_skipped);
    };
    auto done = restore_partitions(request.bundle, identity, write_with_erase, read_back,
                                   request.restore, progress);
    if (request.reset) session->reset();
    return done;
}

}  // namespace cr::workflows
