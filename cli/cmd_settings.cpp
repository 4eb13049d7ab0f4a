// `cellrescue settings show|save|diff|apply`: a module's persistent AT-level settings
// (docs/settings.md).
#include <fmt/format.h>

#include <iostream>

#include "cli/commands.hpp"
#include "src/util/error.hpp"
#include "src/workflows/settings/settings_device.hpp"
#include "src/workflows/settings/settings_store.hpp"

namespace cr::cli {
namespace {

using at::settings::SettingsRecord;

std::string record_text(const SettingsRecord& r) {
    std::string out = fmt::format("{} {} firmware {}{}\n", at::settings::to_string(r.module.vendor),
                                  r.module.model, r.module.firmware,
                                  r.module.imei.empty() ? "" : "  IMEI " + r.module.imei);
    for (const auto& s : r.settings) {
        const auto* spec = at::settings::find_spec(r.module.vendor, s.id);
        out += fmt::format("  {:<24} {:<32} {}\n", s.id, s.value,
                           spec ? std::string(at::settings::to_string(spec->effect)) : "");
    }
    if (!r.unsupported.empty()) out += "unknown to this firmware (reported, never written):\n";
    for (const auto& u : r.unsupported) out += fmt::format("  {:<24} {}\n", u.id, u.reply);
    return out;
}

void add_show(CLI::App& settings, Context& ctx) {
    auto* cmd = settings.add_subcommand("show", "read and print the module's settings");
    cmd->callback([&ctx] {
        auto device = ctx.open_device();
        SettingsRecord r = workflows::read_device_settings(*device);
        ctx.emit(at::settings::to_json(r), record_text(r));
    });
}

void add_save(CLI::App& settings, Context& ctx) {
    auto* cmd = settings.add_subcommand(
        "save", "read the settings into the backup store (or a JSON file with -o)");
    auto out = std::make_shared<std::string>();
    auto label = std::make_shared<std::string>();
    cmd->add_option("-o,--output", *out, "write a JSON document here instead");
    cmd->add_option("--label", *label, "a label for the bundle's name");
    cmd->callback([&ctx, out, label] {
        auto device = ctx.open_device();
        SettingsRecord r = workflows::read_device_settings(*device);
        std::filesystem::path file;
        if (!out->empty()) {
            file = *out;
            workflows::write_settings_file(r, file);
        } else {
            file = workflows::save_settings_bundle(ctx.backup_dir(), r,
                                                   workflows::settings_identity(r), *label);
        }
        ctx.emit({{"file", file.string()}, {"record", at::settings::to_json(r)}},
                 record_text(r) +
                     fmt::format("saved {} settings to {}", r.settings.size(), file.string()));
    });
}

std::string diff_text(const at::settings::RecordDiff& d, const std::string& a,
                      const std::string& b) {
    std::string out = fmt::format("A = {}\nB = {}\n", a, b);
    if (d.firmware_differs) out += "  (read from different firmware)\n";
    for (const auto& e : d.differences)
        out += fmt::format("  {:<24} A {:<28} B {}{}\n", e.id, e.a.value_or("-"), e.b.value_or("-"),
                           e.note.empty() ? "" : "  (" + e.note + ")");
    out += d.empty() ? fmt::format("identical ({} settings)", d.same)
                     : fmt::format("{} difference(s), {} equal", d.differences.size(), d.same);
    return out;
}

void add_diff(CLI::App& settings, Context& ctx) {
    auto* cmd = settings.add_subcommand(
        "diff", "compare two settings files/bundles, or one with the device (-d)");
    auto first = std::make_shared<std::string>();
    auto second = std::make_shared<std::string>();
    cmd->add_option("first", *first, "settings bundle or .json")->required();
    cmd->add_option("second", *second, "settings bundle or .json (default: the device, -d)");
    cmd->callback([&ctx, first, second] {
        SettingsRecord a = workflows::load_settings(*first);
        SettingsRecord b;
        std::string b_name = *second;
        if (!second->empty()) {
            b = workflows::load_settings(*second);
        } else {
            if (ctx.options.device.empty())
                throw UsageError("settings diff needs a second file or a device (-d DEV)");
            auto device = ctx.open_device();
            b = workflows::read_device_settings(*device);
            b_name = device->name() + " now";
        }
        auto d = at::settings::diff(a, b);
        nlohmann::json j = at::settings::to_json(d);
        j["first"] = *first;
        j["second"] = b_name;
        ctx.emit(j, diff_text(d, *first, b_name));
        if (!d.empty()) throw ReportedFailure{8};
    });
}

void add_apply(CLI::App& settings, Context& ctx) {
    auto* cmd = settings.add_subcommand(
        "apply", "re-apply saved settings to the module, in order, verifying each");
    auto file = std::make_shared<std::string>();
    auto dry = std::make_shared<bool>(false);
    cmd->add_option("file", *file, "settings bundle or .json")->required();
    cmd->add_flag("--dry-run", *dry, "show what would be written, write nothing");
    cmd->callback([&ctx, file, dry] {
        SettingsRecord saved = workflows::load_settings(*file);  // checked before the device
        auto device = ctx.open_device();
        workflows::SettingsApplyOptions o;
        o.dry_run = *dry;
        if (!ctx.options.json)
            o.narrate = [](const std::string& line) { std::cerr << "==> " << line << std::endl; };
        if (!*dry && !ctx.confirm(fmt::format("Write the settings of {} to {} (it may reboot)?",
                                              *file, device->name())))
            throw UsageError("settings apply cancelled", "nothing was changed", "");
        auto report = workflows::apply_device_settings(*device, saved, o);
        ctx.emit(workflows::to_json(report), workflows::describe(report));
        if (!report.verified()) throw ReportedFailure{8};
    });
}

}  // namespace

void register_settings(CLI::App& app, Context& ctx) {
    auto* settings = app.add_subcommand(
        "settings", "the module's AT-level settings (USB mode, bands, carrier config, APNs)");
    settings->require_subcommand(1);
    add_show(*settings, ctx);
    add_save(*settings, ctx);
    add_diff(*settings, ctx);
    add_apply(*settings, ctx);
}

}  // namespace cr::cli
