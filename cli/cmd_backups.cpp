// `cellrescue backups list | diff`: the backup store, and comparing two calibration backups.
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "nv/calibration.hpp"
#include "nv/efs_layout.hpp"
#include "src/archive/backup_store.hpp"
#include "src/workflows/backup/backup.hpp"
#include "src/workflows/backup/backup_content.hpp"

namespace cr::cli {
namespace {

void add_list(CLI::App& backups, Context& ctx) {
    auto* list = backups.add_subcommand("list", "list the bundles in the backup store");
    list->callback([&ctx] {
        archive::BackupStore store(ctx.backup_dir());
        nlohmann::json out{{"store", store.dir().string()}, {"bundles", nlohmann::json::array()}};
        std::string text = "backup store: " + store.dir().string() + "\n";
        for (const auto& b : store.list()) {
            nlohmann::json j = archive::to_json(b);
            if (!b.readable) {
                out["bundles"].push_back(j);
                text += fmt::format("  {}  DAMAGED: {}\n", b.file.filename().string(), b.error);
                continue;
            }
            // What it holds (a blank one is never chosen by rescue) and whom it belongs to.
            // Settings and snapshots are no calibration candidates: "blank" says nothing of them.
            const bool settings = b.manifest.kind == archive::BundleKind::settings ||
                                  b.manifest.kind == archive::BundleKind::snapshot;
            workflows::BackupContent content;
            if (!settings) content = workflows::backup_content(b);
            const auto& id = b.manifest.identity;
            const bool identified = !id.imeis.empty() || !id.chip_serial.empty() ||
                                    b.manifest.metadata.contains("chip_serial") ||
                                    b.manifest.metadata.contains("device");
            if (!settings) j["content"] = {{"blank", content.blank}, {"summary", content.summary}};
            j["identified"] = identified;
            out["bundles"].push_back(j);
            std::string entries;
            for (const auto& e : b.manifest.entries)
                entries += (entries.empty() ? "" : ",") + e.name;
            if (entries.size() > 60) entries = entries.substr(0, 57) + "...";
            std::string who = identified ? archive::describe(id)
                                         : archive::describe(id) +
                                               " (identity not read: no IMEI, no chip serial; "
                                               "matched to no module)";
            text += fmt::format("  {}  {:<11} {}  {}  [{}]{}\n", b.manifest.created,
                                archive::to_string(b.manifest.kind), who,
                                b.file.filename().string(), entries,
                                settings        ? ""
                                : content.blank ? "  BLANK: " + content.summary
                                                : "  " + content.summary);
        }
        out["incomplete"] = nlohmann::json::array();
        for (const auto& f : store.incomplete()) {
            out["incomplete"].push_back(archive::to_json(f));
            text += fmt::format("  {}  INCOMPLETE  {} ({} bytes): {}\n", f.modified,
                                f.file.filename().string(), f.size,
                                f.in_use ? "being written by a running command"
                                         : "left by an interrupted write; the next backup or "
                                           "`backups clean` removes it");
        }
        if (out["bundles"].empty() && out["incomplete"].empty()) text += "  (empty)\n";
        ctx.emit(out, text);
    });
}

void add_clean(CLI::App& backups, Context& ctx) {
    auto* clean = backups.add_subcommand(
        "clean", "remove temporary files that interrupted backups left in the store");
    clean->callback([&ctx] {
        archive::BackupStore store(ctx.backup_dir());
        nlohmann::json removed = nlohmann::json::array();
        std::string text;
        for (const auto& f : store.clean_incomplete()) {
            removed.push_back(archive::to_json(f));
            text += fmt::format("removed {} ({} bytes, {})\n", f.file.filename().string(), f.size,
                                f.modified);
        }
        std::size_t busy = store.incomplete().size();
        text += fmt::format("{} file(s) removed", removed.size());
        if (busy) text += fmt::format("; {} still being written by a running command", busy);
        ctx.emit({{"store", store.dir().string()}, {"removed", removed}, {"in_use", busy}}, text);
    });
}

// Contents only: NV items per subscription and EFS files per group. File times are left out on
// purpose: a restore writes contents, not times, so a backup taken after it differs there.
// Our own backups are compared in QPST's layout (what their .xqcn/.qcn hold), so a bundle and
// its export compare equal: the /nvm copies of NV records are the records themselves.
void add_diff(CLI::App& backups, Context& ctx) {
    auto* cmd = backups.add_subcommand(
        "diff", "compare two calibration backups (bundle, .xqcn, .qcn): NV items and EFS files");
    auto first = std::make_shared<std::string>();
    auto second = std::make_shared<std::string>();
    cmd->add_option("first", *first, "bundle, .xqcn or .qcn")->required();
    cmd->add_option("second", *second, "bundle, .xqcn or .qcn")->required();
    cmd->callback([&ctx, first, second] {
        auto comparable = [](nv::Calibration c) {
            return nv::made_by_cellrescue(c) ? nv::qpst_shaped(c) : c;
        };
        nv::Calibration a = comparable(workflows::load_calibration(*first));
        nv::Calibration b = comparable(workflows::load_calibration(*second));
        std::vector<std::string> differences = nv::diff_calibration(a, b);
        std::string text = fmt::format("{} vs {}: {} NV items / {} EFS files vs {} / {}\n", *first,
                                       *second, nv::nv_item_count(a), nv::efs_file_count(a),
                                       nv::nv_item_count(b), nv::efs_file_count(b));
        constexpr std::size_t kShown = 40;  // --json lists them all
        for (std::size_t i = 0; i < differences.size() && i < kShown; ++i)
            text += "  " + differences[i] + "\n";
        if (differences.size() > kShown)
            text +=
                fmt::format("  ... and {} more (--json lists all)\n", differences.size() - kShown);
        text += differences.empty() ? "identical contents"
                                    : fmt::format("{} difference(s)", differences.size());
        ctx.emit({{"first", *first},
                  {"second", *second},
                  {"identical", differences.empty()},
                  {"differences", differences}},
                 text);
        if (!differences.empty()) throw ReportedFailure{8};
    });
}

}  // namespace

void register_backups(CLI::App& app, Context& ctx) {
    auto* backups = app.add_subcommand("backups", "the backup store (bundles)");
    backups->require_subcommand(1);
    add_list(*backups, ctx);
    add_clean(*backups, ctx);
    add_diff(*backups, ctx);
}

}  // namespace cr::cli
