// `cellrescue edl load|ramdump` (Sahara) and `cellrescue sim make-programmer`.
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "sim/core/model_catalog.hpp"
#include "sim/core/virtual_module.hpp"
#include "sim/edl/virtual_programmer.hpp"
#include "src/util/atomic_file.hpp"
#include "src/util/digest.hpp"
#include "src/util/error.hpp"
#include "src/workflows/sahara/sahara_load.hpp"
#include "src/workflows/sahara/sahara_ramdump.hpp"

namespace cr::cli {
namespace {

void add_load(CLI::App& edl, Context& ctx) {
    auto* cmd = edl.add_subcommand("load", "upload a Firehose programmer over Sahara");
    auto file = std::make_shared<std::string>();
    cmd->add_option("programmer", *file, "programmer file (.mbn/.elf)")->required();
    cmd->callback([&ctx, file] {
        auto device = ctx.open_device();
        auto r = workflows::load_programmer(*device, *file, ctx.progress());
        nlohmann::json j = {{"device", r.device},
                            {"programmer", r.programmer},
                            {"sha256", r.sha256},
                            {"sahara_version", r.hello.version},
                            {"image_id", r.upload.image_id},
                            {"bytes", r.upload.image_size},
                            {"requests", r.upload.requests},
                            {"bytes_unrequested", r.upload.bytes_unrequested},
                            {"state", "firehose"}};
        ctx.emit(j, fmt::format("uploaded {} ({} bytes, {} requests) to {}: the programmer runs "
                                "now (Firehose)\n",
                                r.programmer, r.upload.image_size, r.upload.requests, r.device));
    });
}

void add_ramdump(CLI::App& edl, Context& ctx) {
    auto* cmd = edl.add_subcommand(
        "ramdump", "save the memory regions of a module in crash-dump mode (one file each)");
    auto dir = std::make_shared<std::string>();
    cmd->add_option("-o,--output", *dir, "output directory")->required();
    cmd->callback([&ctx, dir] {
        auto device = ctx.open_device();
        auto r = workflows::save_ramdump(*device, *dir, ctx.progress());
        std::string text = fmt::format("saved {} regions ({} bytes) from {} to {}\n",
                                       r.regions.size(), r.total_bytes, r.device, r.dir.string());
        for (const auto& d : r.regions)
            text += fmt::format("  {:<16} {:#012x} {:>10}  {}\n", d.file, d.region.base,
                                d.region.length, d.region.description);
        text += "the module reboots now\n";
        ctx.emit(r.index, text);
    });
}

}  // namespace

void register_edl_sahara(CLI::App& edl, Context& ctx) {
    add_load(edl, ctx);
    add_ramdump(edl, ctx);
}

void register_sim_programmer(CLI::App& sim, Context& ctx) {
    auto* cmd = sim.add_subcommand(
        "make-programmer", "write a Firehose programmer the virtual modules of a model accept");
    auto model = std::make_shared<std::string>();
    auto out = std::make_shared<std::string>();
    auto size = std::make_shared<std::size_t>(sim::kDefaultProgrammerSize);
    cmd->add_option("--model", *model, "model id (rm520n, ec25, rm500q, ...)")->required();
    cmd->add_option("-o,--output", *out, "file to write")->required();
    cmd->add_option("--size", *size, "file size in bytes (default 600 KiB)");
    cmd->callback([&ctx, model, out, size] {
        const auto& spec = sim::require_model(*model);
        if (spec.msm_hw_id == 0) throw UsageError(fmt::format("{} has no EDL mode", spec.product));
        auto identity = sim::fresh_identity(spec, spec.id);
        Bytes image =
            sim::make_virtual_programmer({spec.msm_hw_id, identity.pk_hash_hex, spec.id}, *size);
        write_file_atomically(*out, image);
        ctx.emit({{"file", *out},
                  {"model", spec.id},
                  {"size", image.size()},
                  {"sha256", sha256_hex(image)}},
                 fmt::format("wrote {} ({} bytes): a programmer for {} (MSM HW ID {:#010x})\n",
                             *out, image.size(), spec.product, spec.msm_hw_id));
    });
}

}  // namespace cr::cli
