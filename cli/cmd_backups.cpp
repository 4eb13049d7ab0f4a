// `cellrescue backups list | diff`: the backup store, and comparing two calibration backups.
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "nv/calibration.hpp"
#include "nv/efs_layout.hpp"
#include "src/archive/backup_store.hpp"
#include "src/workflows/backup/backup.hpp"

namespace cr::cli {
namespace {

void add_list(CLI::App& backups, Context& ctx) {
    auto* list = backups.add_subcommand("list", "list the bundles in the backup store");
    list->callback([&ctx] {
        archive::BackupStore store(ctx.backup_dir());
        nlohmann::json out{{"store", store.dir().string()}, {"bundles", nlohmann::json::array()}};
        std::string text = "backup store: " + store.dir().string() + "\n";
        for (const auto& b : store.list()) {
            out["bundles"].push_back(archive::to_json(b));
            if (!b.readable) {
                text += fmt::format("  {}  DAMAGED: {}\n", b.file.filename().string(), b.error);
                continue;
            }
            std::string entries;
            for (const auto& e : b.manifest.entries)
                entries += (entries.empty() ? "" : ",") + e.name;
            if (entries.size() > 60) entries = entries.substr(0, 57) + "...";
            text += fmt::format("  {}  {:<11} {}  {}  [{}]\n", b.manifest.created,
                                archive::to_string(b.manifest.kind),
                                archive::describe(b.manifest.identity), b.file.filename().string(),
                                entries);
        }
        if (out["bundles"].empty()) text += "  (empty)\n";
        ctx.emit(out, text);
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
    add_diff(*backups, ctx);
}

}  // namespace cr::cli
