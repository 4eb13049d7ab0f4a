// edl partitions|storage|read|write|erase|verify|reset and programmers list|add.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <cstdlib>
#include <fstream>

#include "cli/commands.hpp"
#include "src/archive/backup_store.hpp"
#include "src/package/programmer_store.hpp"
#include "src/util/atomic_file.hpp"
#include "src/util/digest.hpp"
#include "src/util/error.hpp"
#include "src/util/paths.hpp"
#include "src/workflows/session/edl_session.hpp"
#include "src/workflows/backup/partition_backup.hpp"

namespace cr::cli {
namespace {

namespace fs = std::filesystem;

struct EdlCli {
    std::string programmer;
    std::string memory;
    bool no_zlp = false;
};

struct GuardCli {
    bool no_backup = false;
    bool understand = false;
};

// The programmer store: $CELLRESCUE_PROGRAMMER_DIR, else next to --backup-dir
// (<backup-dir>/../programmers, so one data root holds both), else the XDG data dir.
fs::path programmer_dir(const Context& ctx) {
    if (const char* env = std::getenv("CELLRESCUE_PROGRAMMER_DIR"); env && *env) return env;
    if (!ctx.options.backup_dir.empty())
        return fs::path(ctx.options.backup_dir).lexically_normal().parent_path() / "programmers";
    return default_programmer_dir();
}

void add_edl_options(CLI::App* cmd, EdlCli& o) {
    cmd->add_option("--programmer", o.programmer,
                    "Firehose programmer to upload when the device waits in Sahara");
    cmd->add_option("--memory", o.memory, "storage type: nand, emmc or ufs (default: by chip)");
    cmd->add_flag("--no-zlp", o.no_zlp,
                  "no zero-length packets (host controllers that break on them, e.g. MT7621)");
}

void add_guard_options(CLI::App* cmd, GuardCli& g) {
    cmd->add_flag("--no-backup", g.no_backup, "skip the calibration backup (with the next flag)");
    cmd->add_flag("--i-understand-calibration-loss", g.understand,
                  "confirm that calibration (IMEI, RF) may be lost without a backup");
}

struct Open {
    std::unique_ptr<Device> device;
    std::unique_ptr<EdlSession> session;
};

Open open_session(const Context& ctx, const EdlCli& o) {
    Open out;
    out.device = ctx.open_device();
    EdlOptions options;
    if (!o.programmer.empty()) options.programmer = o.programmer;
    if (!o.memory.empty()) options.memory = firehose::parse_memory_type(o.memory);
    options.zlp = !o.no_zlp;
    options.programmer_dir = programmer_dir(ctx);
    options.progress = ctx.progress();
    out.session = EdlSession::open(*out.device, options);
    spdlog::info("{}: {}", out.device->name(), out.session->how_opened());
    return out;
}

std::string human(std::uint64_t bytes) {
    if (bytes >= (1ull << 30)) return fmt::format("{:.1f} GiB", bytes / double(1ull << 30));
    if (bytes >= (1ull << 20)) return fmt::format("{:.1f} MiB", bytes / double(1ull << 20));
    if (bytes >= 1024) return fmt::format("{:.1f} KiB", bytes / 1024.0);
    return fmt::format("{} B", bytes);
}

std::uint64_t file_size_of(const fs::path& file) {
    std::error_code ec;
    auto size = fs::file_size(file, ec);
    if (ec) throw NotFoundError(fmt::format("cannot read {}: {}", file.string(), ec.message()));
    return size;
}

// Streams `file` into a program command, never holding it whole in memory.
firehose::SourceFn file_source(std::ifstream& in) {
    return [&in](std::span<std::uint8_t> out) -> std::size_t {
        in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(out.size()));
        return static_cast<std::size_t>(in.gcount());
    };
}

archive::DeviceIdentity identity_of(EdlSession& s) {
    archive::DeviceIdentity id;
    if (s.chip().serial) id.chip_serial = fmt::format("0x{:08x}", s.chip().serial);
    if (s.chip().msm_hw_id) id.msm_hw_id = fmt::format("0x{:08x}", s.chip().msm_hw_id);
    id.pk_hash = s.chip().pk_hash_hex;
    id.model = s.device().name();
    return id;
}

// DESIGN.md: nothing writes or erases calibration without a verified backup or both override
// flags. Returns the backup file (empty when skipped).
std::string guard_calibration(const Context& ctx, EdlSession& s, const partition::Partition& p,
                              const GuardCli& g, const std::string& action) {
    if (!p.calibration) return {};
    if (g.no_backup != g.understand)
        throw UsageError(fmt::format("{} holds calibration: skipping its backup needs both "
                                     "--no-backup and --i-understand-calibration-loss",
                                     p.name),
                         "in EDL, nothing was changed");
    if (g.no_backup) {
        spdlog::warn("{} {} without a backup: calibration may be lost", action, p.name);
        return {};
    }
    firehose::Region fr = s.region(p);
    package::Region r{p.name,         p.lun,         fr.sector_size,
                      p.start_sector, p.num_sectors, fr.pages_per_block};
    auto result = workflows::backup_partitions(
        archive::BackupStore(ctx.backup_dir()), identity_of(s), std::span(&r, 1),
        [&](const package::Region&, const ByteSink& sink) { s.firehose().read(fr, sink); },
        fmt::format("before edl {} {}", action, p.name), ctx.progress());
    return result.file.string();
}

void cmd_partitions(Context& ctx, const EdlCli& o) {
    auto open = open_session(ctx, o);
    const auto& map = open.session->partitions();
    nlohmann::json list = nlohmann::json::array();
    std::string text = fmt::format("{:<14} {:>3} {:>10} {:>10} {:>10}  {}\n", "name", "lun",
                                   "start", "sectors", "size", "");
    for (const auto& p : map.partitions) {
        list.push_back({{"name", p.name},
                        {"raw_name", p.raw_name},
                        {"lun", p.lun},
                        {"start_sector", p.start_sector},
                        {"num_sectors", p.num_sectors},
                        {"bytes", p.num_sectors * map.sector_size},
                        {"calibration", p.calibration}});
        text += fmt::format("{:<14} {:>3} {:>10} {:>10} {:>10}  {}\n", p.name, p.lun,
                            p.start_sector, p.num_sectors, human(p.num_sectors * map.sector_size),
                            p.calibration ? "calibration" : "");
    }
    ctx.emit({{"device", open.device->name()},
              {"table", map.source},
              {"sector_size", map.sector_size},
              {"partitions", list}},
             text);
}

void cmd_storage(Context& ctx, const EdlCli& o) {
    auto open = open_session(ctx, o);
    auto& s = *open.session;
    auto info = s.firehose().storage_info(0);
    const auto& c = s.configuration();
    nlohmann::json j{{"device", open.device->name()},
                     {"memory", firehose::to_string(c.memory)},
                     {"target_name", c.target_name},
                     {"max_payload_to_target", c.max_payload_to_target},
                     {"opened", s.how_opened()},
                     {"storage_info", nlohmann::json::parse(info.json)["storage_info"]}};
    ctx.emit(j,
             fmt::format("{}: {} ({}), {} blocks of {} bytes, page {}, {} LUN(s), product {}\n"
                         "programmer: {}, payload {} bytes; {}\n",
                         open.device->name(), info.mem_type, firehose::to_string(c.memory),
                         info.total_blocks, info.block_size, info.page_size, info.num_physical,
                         info.prod_name, c.target_name, c.max_payload_to_target, s.how_opened()));
}

struct ReadCli {
    std::string label;
    std::optional<std::uint64_t> start, count;
    std::uint32_t lun = 0;
    std::string output;
};

void cmd_read(Context& ctx, const EdlCli& o, const ReadCli& r) {
    if (r.label.empty() == !(r.start && r.count))
        throw UsageError("name a partition, or give --start and --count (not both)");
    auto open = open_session(ctx, o);
    auto& s = *open.session;
    firehose::Region region =
        r.label.empty() ? s.raw_region(r.lun, *r.start, *r.count) : s.region(s.partition(r.label));
    fs::path out = r.output.empty() ? fs::path((r.label.empty() ? "sectors" : r.label) + ".bin")
                                    : fs::path(r.output);
    Digest digest(Digest::Algorithm::sha256);
    write_file_atomically(out, [&](const ByteSink& sink) {
        s.firehose().read(
            region,
            [&](ByteView b) {
                digest.update(b);
                sink(b);
            },
            ctx.progress());
    });
    std::string sha = digest.finish_hex();
    ctx.emit({{"file", out.string()},
              {"bytes", region.bytes()},
              {"sha256", sha},
              {"label", region.label},
              {"start_sector", region.start_sector},
              {"num_sectors", region.num_sectors}},
             fmt::format("read {} ({}) into {}\nsha256 {}\n",
                         region.label.empty() ? "sectors" : region.label, human(region.bytes()),
                         out.string(), sha));
}

// The part of `p` a file of `size` bytes covers; refuses files larger than the partition.
firehose::Region file_region(EdlSession& s, const partition::Partition& p, std::uint64_t size,
                             const fs::path& file) {
    std::uint64_t ss = s.sector_size();
    std::uint64_t sectors = (size + ss - 1) / ss;
    if (size == 0) throw UsageError(fmt::format("{} is empty", file.string()));
    if (sectors > p.num_sectors)
        throw UsageError(fmt::format("{} ({}) is larger than partition {} ({})", file.string(),
                                     human(size), p.name, human(p.num_sectors * ss)),
                         "in EDL, nothing was written", "check that you picked the right image");
    return s.region(p, 0, sectors);
}

void cmd_write(Context& ctx, const EdlCli& o, const GuardCli& g, const std::string& label,
               const fs::path& file) {
    std::uint64_t size = file_size_of(file);
    std::ifstream in(file, std::ios::binary);
    if (!in) throw IoError(fmt::format("cannot open {}", file.string()));
    auto open = open_session(ctx, o);
    auto& s = *open.session;
    const auto& p = s.partition(label);
    firehose::Region region = file_region(s, p, size, file);
    if (!ctx.confirm(fmt::format("write {} ({}) to {} on {}?", file.filename().string(),
                                 human(size), p.name, open.device->name())))
        throw SafetyError("cancelled", "in EDL, nothing was written");
    std::string backup = guard_calibration(ctx, s, p, g, "write");
    s.firehose().program(region, size, file_source(in), ctx.progress());
    ctx.emit(
        {{"label", p.name}, {"bytes", size}, {"sectors", region.num_sectors}, {"backup", backup}},
        fmt::format("wrote {} ({}) to {}{}\n", file.filename().string(), human(size), p.name,
                    backup.empty() ? "" : "; backup first: " + backup));
}

void cmd_erase(Context& ctx, const EdlCli& o, const GuardCli& g, const std::string& label) {
    auto open = open_session(ctx, o);
    auto& s = *open.session;
    const auto& p = s.partition(label);
    if (!ctx.confirm(fmt::format("erase {} on {}?", p.name, open.device->name())))
        throw SafetyError("cancelled", "in EDL, nothing was erased");
    std::string backup = guard_calibration(ctx, s, p, g, "erase");
    s.firehose().erase(s.region(p));
    ctx.emit(
        {{"label", p.name}, {"erased_sectors", p.num_sectors}, {"backup", backup}},
        fmt::format("erased {}{}\n", p.name, backup.empty() ? "" : "; backup first: " + backup));
}

void cmd_verify(Context& ctx, const EdlCli& o, const std::string& label, const fs::path& file) {
    std::uint64_t size = file_size_of(file);
    auto open = open_session(ctx, o);
    auto& s = *open.session;
    const auto& p = s.partition(label);
    firehose::Region region = file_region(s, p, size, file);
    // The file as the partition holds it: zero-padded to whole sectors.
    Digest expected(Digest::Algorithm::sha256);
    {
        std::ifstream in(file, std::ios::binary);
        Bytes buf(1 << 20);
        while (in.read(reinterpret_cast<char*>(buf.data()), buf.size()) || in.gcount() > 0)
            expected.update(ByteView(buf.data(), static_cast<std::size_t>(in.gcount())));
        Bytes pad(region.bytes() - size, 0);
        expected.update(pad);
    }
    std::string want = expected.finish_hex();
    std::string got, method;
    if (s.firehose().supports("getsha256digest")) {
        method = "getsha256digest";
        got = s.firehose().sha256(region);
    } else {
        method = "read-back";
        Digest d(Digest::Algorithm::sha256);
        s.firehose().read(
            region, [&](ByteView b) { d.update(b); }, ctx.progress());
        got = d.finish_hex();
    }
    bool match = got == want;
    nlohmann::json j{{"label", p.name},
                     {"method", method},
                     {"expected", want},
                     {"device", got},
                     {"match", match}};
    if (!match) {
        if (ctx.options.json) ctx.emit(j, "");
        throw VerifyError(fmt::format("{} does not match {} (sha256 {} on the device, {} "
                                      "expected; by {})",
                                      p.name, file.string(), got, want, method),
                          "in EDL, Firehose running", "write the partition again");
    }
    ctx.emit(j,
             fmt::format("{} matches {} (sha256 {}, by {})\n", p.name, file.string(), got, method));
}

void cmd_reset(Context& ctx, const EdlCli& o) {
    auto open = open_session(ctx, o);
    open.session->reset();
    ctx.emit({{"device", open.device->name()}, {"reset", true}},
             fmt::format("{} resets to normal mode\n", open.device->name()));
}

}  // namespace

void register_edl_firehose(CLI::App& edl, Context& ctx) {
    auto o = std::make_shared<EdlCli>();
    auto g = std::make_shared<GuardCli>();

    auto* parts = edl.add_subcommand("partitions", "list partitions (GPT or NAND MIBIB)");
    add_edl_options(parts, *o);
    parts->callback([&ctx, o] { cmd_partitions(ctx, *o); });

    auto* storage = edl.add_subcommand("storage", "storage type, size and programmer limits");
    add_edl_options(storage, *o);
    storage->callback([&ctx, o] { cmd_storage(ctx, *o); });

    auto r = std::make_shared<ReadCli>();
    auto* read = edl.add_subcommand("read", "read a partition (or raw sectors) into a file");
    add_edl_options(read, *o);
    read->add_option("label", r->label, "partition name");
    read->add_option("--start", r->start, "first sector (raw read)");
    read->add_option("--count", r->count, "number of sectors (raw read)");
    read->add_option("--lun", r->lun, "physical partition (raw read)");
    read->add_option("-o,--output", r->output, "output file (default <label>.bin)");
    read->callback([&ctx, o, r] { cmd_read(ctx, *o, *r); });

    auto label = std::make_shared<std::string>();
    auto file = std::make_shared<std::string>();
    auto* write = edl.add_subcommand("write", "write a file into a partition");
    add_edl_options(write, *o);
    add_guard_options(write, *g);
    write->add_option("label", *label, "partition name")->required();
    write->add_option("file", *file, "image file")->required();
    write->callback([&ctx, o, g, label, file] { cmd_write(ctx, *o, *g, *label, *file); });

    auto* erase = edl.add_subcommand("erase", "erase a partition");
    add_edl_options(erase, *o);
    add_guard_options(erase, *g);
    erase->add_option("label", *label, "partition name")->required();
    erase->callback([&ctx, o, g, label] { cmd_erase(ctx, *o, *g, *label); });

    auto* verify = edl.add_subcommand("verify", "compare a partition with a file (sha256)");
    add_edl_options(verify, *o);
    verify->add_option("label", *label, "partition name")->required();
    verify->add_option("file", *file, "image file")->required();
    verify->callback([&ctx, o, label, file] { cmd_verify(ctx, *o, *label, *file); });

    auto* reset = edl.add_subcommand("reset", "leave EDL: reboot to normal mode");
    add_edl_options(reset, *o);
    reset->callback([&ctx, o] { cmd_reset(ctx, *o); });
}

void register_programmers(CLI::App& app, Context& ctx) {
    auto* group = app.add_subcommand("programmers", "the Firehose programmer store");
    group->require_subcommand(1);
    group->add_subcommand("list", "programmers known, by chip")->callback([&ctx] {
        ProgrammerStore store(programmer_dir(ctx));
        nlohmann::json list = nlohmann::json::array();
        std::string text = fmt::format("store: {}\n", store.dir().string());
        for (const auto& p : store.list()) {
            list.push_back({{"name", p.name},
                            {"file", p.file.string()},
                            {"msm_hw_id", fmt::format("0x{:08x}", p.msm_hw_id)},
                            {"pk_hash", p.pk_hash_hex},
                            {"sha256", p.sha256},
                            {"source", p.source}});
            text +=
                fmt::format("{:<32} msm 0x{:08x} pk {:<16} {}\n", p.name, p.msm_hw_id,
                            p.pk_hash_hex.empty() ? "-" : p.pk_hash_hex.substr(0, 16), p.source);
        }
        ctx.emit({{"dir", store.dir().string()}, {"programmers", list}}, text);
    });
    auto file = std::make_shared<std::string>();
    auto msm = std::make_shared<std::string>();
    auto pk = std::make_shared<std::string>();
    auto* add = group->add_subcommand("add", "remember a programmer file");
    add->add_option("file", *file, "programmer (prog_*firehose*)")->required();
    add->add_option("--msm-hw-id", *msm, "the chip it is for (hex); else learnt on first use");
    add->add_option("--pk-hash", *pk, "the OEM PK hash it is signed for");
    add->callback([&ctx, file, msm, pk] {
        std::uint32_t id = 0;
        if (!msm->empty()) {
            std::string_view t = *msm;
            if (t.starts_with("0x") || t.starts_with("0X")) t.remove_prefix(2);
            auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), id, 16);
            if (t.empty() || ec != std::errc() || end != t.data() + t.size())
                throw UsageError(fmt::format("--msm-hw-id '{}' is not a 32-bit hex number", *msm),
                                 {}, "e.g. --msm-hw-id 0x000480e1");
        }
        ProgrammerStore store(programmer_dir(ctx));
        auto p = store.add(*file, id, *pk, "programmers add");
        ctx.emit({{"file", p.file.string()}, {"sha256", p.sha256}},
                 fmt::format("stored {} as {}\n", p.name, p.file.string()));
    });
}

}  // namespace cr::cli
