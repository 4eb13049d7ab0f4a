// `cellrescue backup | restore | convert | imei`: calibration backup and restore (engineer C).
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "cli/commands.hpp"
#include "nv/imei.hpp"
#include "nv/qcn.hpp"
#include "nv/xqcn.hpp"
#include "src/archive/backup_store.hpp"
#include "src/util/error.hpp"
#include "src/util/hex.hpp"
#include "src/workflows/backup/backup.hpp"
#include "src/workflows/backup/backup_bundle.hpp"
#include "src/workflows/restore/restore.hpp"
#include "src/workflows/restore/restore_raw.hpp"

namespace cr::cli {
namespace {

namespace fs = std::filesystem;
using workflows::CalibrationFormat;

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ", ") + (s.empty() ? "-" : s);
    return out.empty() ? "none" : out;
}

// --pipeline N: DIAG read requests kept in flight (writes always go one at a time).
std::shared_ptr<std::size_t> add_pipeline_option(CLI::App* cmd) {
    auto pipeline = std::make_shared<std::size_t>(diag::kDefaultPipeline);
    cmd->add_option("--pipeline", *pipeline,
                    "DIAG read requests kept in flight (1: one at a time, like QPST; writes "
                    "always go one at a time)")
        ->check(CLI::Range(1, 16))
        ->capture_default_str();
    return pipeline;
}

void add_backup(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand(
        "backup", "back up calibration: NV items + EFS over DIAG (raw efs2/fsg/modem_st in EDL)");
    auto output = std::make_shared<std::string>();
    auto format = std::make_shared<std::string>();
    auto programmer = std::make_shared<std::string>();
    cmd->add_option("-o,--output", *output, "also export the backup to FILE");
    cmd->add_option("--format", *format, "export format: bundle|xqcn|qcn (default: by extension)");
    cmd->add_option("--programmer", *programmer, "Firehose programmer (device in EDL)");
    auto pipeline = add_pipeline_option(cmd);
    cmd->callback([&ctx, output, format, programmer, pipeline] {
        auto device = ctx.open_device();
        workflows::BackupOptions options;
        options.store_dir = ctx.backup_dir();
        if (!output->empty()) {
            options.output = fs::path(*output);
            options.format = format->empty() ? workflows::format_from_path(*output)
                                             : workflows::parse_calibration_format(*format);
        } else if (!format->empty()) {
            throw UsageError("--format needs -o FILE");
        }
        if (!programmer->empty()) options.programmer = fs::path(*programmer);
        options.progress = ctx.progress();
        options.pipeline = *pipeline;
        auto r = workflows::backup(*device, options);
        nlohmann::json j{{"bundle", r.bundle.string()},
                         {"raw_partitions", r.raw_partitions},
                         {"nv_items", r.nv_items},
                         {"efs_files", r.efs_files},
                         {"efs_bytes", r.efs_bytes},
                         {"imeis", r.calibration.identity.imeis},
                         {"firmware", r.calibration.identity.firmware},
                         {"round_trips", r.traffic.round_trips},
                         {"restore_incomplete", r.restore_incomplete}};
        if (r.exported) j["exported"] = r.exported->string();
        std::string text =
            r.raw_partitions
                ? fmt::format("raw calibration partitions saved to {}", r.bundle.string())
                : fmt::format(
                      "backed up {} NV items and {} EFS files ({} bytes), IMEI {}\n"
                      "bundle: {}",
                      r.nv_items, r.efs_files, r.efs_bytes, join(r.calibration.identity.imeis),
                      r.bundle.string());
        if (r.exported) text += "\nexported: " + r.exported->string();
        if (r.restore_incomplete)
            text +=
                "\nwarning: the module carries an unfinished restore (restore marker): this "
                "backup holds a half-restored calibration and is never used as its own backup; "
                "run `cellrescue rescue` to finish the restore";
        ctx.emit(j, text);
    });
}

// IMEIs of this device's own earlier calibration backups. Only virtual modules have a name
// that identifies the unit; real devices are recognised by IMEI, serial or --imei.
std::vector<std::string> own_backup_imeis(const Context& ctx, const Device& device) {
    std::vector<std::string> out;
    if (!device.is_virtual()) return out;
    for (const auto& b : archive::BackupStore(ctx.backup_dir()).list()) {
        if (!b.readable || b.manifest.kind != archive::BundleKind::calibration) continue;
        if (workflows::bundle_device_name(b.manifest) != device.name()) continue;
        for (const auto& imei : b.manifest.identity.imeis) out.push_back(imei);
    }
    return out;
}

nlohmann::json to_json(const workflows::RestoreReport& r) {
    nlohmann::json identity = nlohmann::json::array();
    for (const auto& row : r.identity)
        identity.push_back({{"item", row.item},
                            {"action", std::string(to_string(row.action))},
                            {"target_before", row.target},
                            {"backup", row.backup},
                            {"written", row.written},
                            {"note", row.note}});
    return {{"match", std::string(to_string(r.match))},
            {"backup_imeis", r.backup_imeis},
            {"target_imeis_before", r.target_imeis_before},
            {"written_imeis", r.written_imeis},
            {"identity", identity},
            {"model", r.model},
            {"model_differences", r.model_differences},
            {"spc_items", r.spc_items},
            {"spc_sent", r.spc_sent},
            {"notes", r.notes},
            {"nv_written", r.nv_written},
            {"nv_failed", r.nv_failed},
            {"files_written", r.files_written},
            {"differences", r.differences},
            {"unverified", r.unverified},
            {"verified", r.verified()},
            {"round_trips", r.traffic.round_trips}};
}

// The report as a user reads it: what was written, each identity item, the model comparison,
// then anything not verified.
std::string to_text(const workflows::RestoreReport& r) {
    std::string text =
        fmt::format("restored {} NV items and {} EFS files ({}); IMEI now {}", r.nv_written,
                    r.files_written, to_string(r.match), join(r.written_imeis));
    text += "\nidentity:";
    for (const auto& row : r.identity) {
        std::string value = row.written.empty() ? row.target : row.written;
        text += fmt::format("\n  {:<13} {:<8} {}", row.item, to_string(row.action),
                            value.empty() ? "(none)" : value);
        if (!row.backup.empty() && row.backup != value) text += " (backup: " + row.backup + ")";
        if (!row.note.empty()) text += " - " + row.note;
    }
    text += "\nmodel:";
    for (const auto& m : r.model) text += "\n  " + m;
    for (const auto& d : r.model_differences) text += "\n  DIFFERS: " + d;
    if (r.spc_sent) text += "\nSPC accepted for: " + join(r.spc_items);
    if (!r.notes.empty()) text += "\nnotes:";
    for (const auto& n : r.notes) text += "\n  " + n;
    for (const auto& u : r.unverified) text += "\n  NOT VERIFIED: " + u;
    for (const auto& d : r.differences) text += "\n  DIFFERENCE: " + d;
    return text;
}

// A raw efs2/fsg/modem_st bundle (EDL backup): write it back in EDL, then correct the IMEI
// over DIAG when --imei is given (a donor's efs2 carries the donor's IMEI).
void restore_raw(Context& ctx, const std::string& file, const std::string& imei,
                 const std::string& imei2, const std::string& programmer) {
    nv::ImeiOverride o;
    if (!imei.empty()) o.imei = imei;
    if (!imei2.empty()) o.imei2 = imei2;
    auto device = ctx.open_device();
    if (!ctx.confirm(fmt::format("Write the raw calibration partitions of {} to {}{}?", file,
                                 device->name(),
                                 o.imei ? " and then set its IMEI to " + *o.imei : "")))
        throw SafetyError("restore cancelled", "nothing was written");
    auto r = workflows::restore_raw_calibration(
        *device, file, o, programmer.empty() ? std::nullopt : std::optional<fs::path>(programmer),
        ctx.progress());
    std::string text = "restored and verified: " + join(r.partitions);
    if (r.imei_corrected)
        text += "\nIMEI now " + join(r.imeis_after);
    else
        text +=
            "\nif this image came from another module, set this module's own IMEI: "
            "cellrescue imei correct -d DEV --imei IMEI";
    ctx.emit({{"partitions", r.partitions},
              {"imei_corrected", r.imei_corrected},
              {"imeis_after", r.imeis_after}},
             text);
}

void add_restore(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("restore", "restore a calibration backup (bundle, .xqcn, .qcn)");
    auto file = std::make_shared<std::string>();
    auto imei = std::make_shared<std::string>();
    auto imei2 = std::make_shared<std::string>();
    auto no_reset = std::make_shared<bool>(false);
    auto checks = std::make_shared<workflows::RestoreOptions>();
    cmd->add_option("backup", *file, "the backup file")->required();
    cmd->add_option("--imei", *imei,
                    "the TARGET's own IMEI (label) when restoring another "
                    "module's backup; Luhn-checked");
    cmd->add_option("--imei2", *imei2, "the target's own second IMEI (SIM 2)");
    cmd->add_flag("--no-reset", *no_reset, "do not reset at the end (the modem stays CFUN=7)");
    cmd->add_option("--spc", checks->spc,
                    "the module's service programming code, sent ONCE when the backup holds "
                    "SPC-protected items such as NV 85")
        ->capture_default_str();
    cmd->add_flag("--skip-spc-items", checks->skip_spc_items,
                  "leave SPC-protected items (NV 85...) out instead of sending the SPC");
    cmd->add_flag("--allow-other-model", checks->allow_other_model,
                  "restore a backup of another model or variant (RF calibration may not fit)");
    auto programmer = std::make_shared<std::string>();
    cmd->add_option("--programmer", *programmer, "Firehose programmer (raw partition bundles)");
    auto pipeline = add_pipeline_option(cmd);
    cmd->callback([&ctx, file, imei, imei2, no_reset, programmer, pipeline, checks] {
        // Validate the IMEIs and the SPC before touching anything.
        if (checks->spc.size() != 6 ||
            checks->spc.find_first_not_of("0123456789") != std::string::npos)
            throw UsageError(fmt::format("--spc {} is not a 6-digit code", checks->spc),
                             "nothing was written", "give the SPC as 6 digits (default 000000)");
        if (!imei->empty()) nv::require_valid_imei(*imei);
        if (!imei2->empty()) nv::require_valid_imei(*imei2);
        if (workflows::is_partition_bundle(*file)) {
            restore_raw(ctx, *file, *imei, *imei2, *programmer);
            return;
        }
        workflows::LoadedCalibration loaded = workflows::load_calibration_checked(*file);
        const nv::Calibration& backup = loaded.calibration;
        if (!ctx.options.json) std::cerr << loaded.note << "\n";
        auto device = ctx.open_device();
        workflows::RestoreOptions options = *checks;
        if (!imei->empty()) options.imeis.imei = *imei;
        if (!imei2->empty()) options.imeis.imei2 = *imei2;
        options.known_own_imeis = own_backup_imeis(ctx, *device);
        options.reset_after = !*no_reset;
        options.confirm = [&ctx](const std::string& q) { return ctx.confirm(q); };
        options.progress = ctx.progress();
        options.pipeline = *pipeline;
        options.source = fs::absolute(*file).string();
        options.store_dir = ctx.backup_dir();
        auto r = workflows::restore(*device, backup, options);
        nlohmann::json j = to_json(r);
        j["integrity"] = std::string(workflows::to_string(loaded.integrity));
        j["integrity_note"] = loaded.note;
        ctx.emit(j, to_text(r));
        if (!r.verified())
            throw VerifyError(
                fmt::format("{} difference(s) after the restore", r.differences.size()),
                "the module holds the restored calibration except the listed items",
                "check the listed items; run the restore again or restore the raw "
                "efs2 partition over EDL");
    });
}

void add_convert(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("convert", "convert between .xqcn, .qcn and backup bundles");
    auto in = std::make_shared<std::string>();
    auto out = std::make_shared<std::string>();
    cmd->add_option("input", *in, "bundle, .xqcn or .qcn")->required();
    cmd->add_option("output", *out, "format by extension: .xqcn, .qcn, else bundle")->required();
    cmd->callback([&ctx, in, out] {
        workflows::LoadedCalibration loaded = workflows::load_calibration_checked(*in);
        const nv::Calibration& cal = loaded.calibration;
        if (!ctx.options.json) std::cerr << loaded.note << "\n";
        auto format = workflows::format_from_path(*out);
        workflows::export_calibration(cal, *out, format);
        ctx.emit(
            {{"input", *in},
             {"output", *out},
             {"integrity", std::string(workflows::to_string(loaded.integrity))},
             {"integrity_note", loaded.note},
             {"nv_items", nv::nv_item_count(cal)},
             {"efs_files", nv::efs_file_count(cal)},
             {"imeis", nv::imeis_of(cal)}},
            fmt::format("{} -> {}: {} NV items, {} EFS files, IMEI {}", *in, *out,
                        nv::nv_item_count(cal), nv::efs_file_count(cal), join(nv::imeis_of(cal))));
    });
}

void add_imei(CLI::App& app, Context& ctx) {
    auto* imei = app.add_subcommand("imei", "IMEI tools: check, decode, encode, correct");
    imei->require_subcommand(1);
    auto value = std::make_shared<std::string>();
    auto* check = imei->add_subcommand("check", "check an IMEI's Luhn digit");
    check->add_option("imei", *value)->required();
    check->callback([&ctx, value] {
        bool ok = nv::is_valid_imei(*value);
        nlohmann::json j{{"imei", *value}, {"valid", ok}};
        if (!ok && value->size() >= 14)
            j["expected_check_digit"] = nv::luhn_check_digit(value->substr(0, 14));
        ctx.emit(j, ok ? *value + ": valid" : "");
        if (!ok) nv::require_valid_imei(*value);
    });
    auto* decode = imei->add_subcommand("decode", "decode NV 550 bytes (hex) to an IMEI");
    auto hex = std::make_shared<std::string>();
    decode->add_option("hex", *hex)->required();
    decode->callback([&ctx, hex] {
        auto imei_text = nv::decode_imei_nv(from_hex(*hex));
        ctx.emit({{"imei", imei_text ? *imei_text : ""}}, imei_text ? *imei_text : "(empty)");
    });
    auto* encode = imei->add_subcommand("encode", "encode an IMEI as NV 550 bytes");
    encode->add_option("imei", *value)->required();
    encode->callback([&ctx, value] {
        std::string h = to_hex(nv::encode_imei_nv(*value), " ");
        ctx.emit({{"imei", *value}, {"nv550", h}}, h);
    });
    auto* correct = imei->add_subcommand(
        "correct", "write the module's OWN IMEI over DIAG (after restoring a donor's efs2)");
    auto imei1 = std::make_shared<std::string>();
    auto imei2 = std::make_shared<std::string>();
    correct->add_option("--imei", *imei1, "the module's own IMEI from its label")->required();
    correct->add_option("--imei2", *imei2, "its second IMEI (SIM 2)");
    correct->callback([&ctx, imei1, imei2] {
        nv::ImeiOverride o{*imei1, std::nullopt};
        if (!imei2->empty()) o.imei2 = *imei2;
        nv::require_valid_imei(*imei1);
        if (o.imei2) nv::require_valid_imei(*o.imei2);
        auto device = ctx.open_device();
        if (!ctx.confirm(fmt::format("Write IMEI {} to {}?", *imei1, device->name())))
            throw SafetyError("IMEI correction cancelled", "nothing was written");
        auto now = workflows::correct_imei(*device, o, ctx.progress());
        ctx.emit({{"imeis", now}}, "IMEI now " + join(now));
    });
}

}  // namespace

void register_calibration(CLI::App& app, Context& ctx) {
    add_backup(app, ctx);
    add_restore(app, ctx);
    add_convert(app, ctx);
    add_imei(app, ctx);
}

}  // namespace cr::cli
