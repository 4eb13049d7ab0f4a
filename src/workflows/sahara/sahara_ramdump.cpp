#include "src/workflows/sahara/sahara_ramdump.hpp"

#include <fmt/format.h>

#include <set>

#include "src/util/atomic_file.hpp"
#include "src/util/digest.hpp"
#include "src/util/error.hpp"

namespace cr::workflows {

std::string safe_region_file(const std::string& name, std::size_t index) {
    std::string out;
    for (char c : name) {
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        if (ok) out.push_back(c);
    }
    while (!out.empty() && out.front() == '.') out.erase(out.begin());  // no "..", no dotfiles
    if (out.empty() || out == "index.json") out = fmt::format("region{}.bin", index);
    return out;
}

namespace {

std::string unique_name(std::string name, std::set<std::string>& used) {
    std::string candidate = name;
    for (int n = 2; used.count(candidate); ++n) candidate = fmt::format("{}.{}", name, n);
    used.insert(candidate);
    return candidate;
}

nlohmann::json region_json(const DumpedRegion& r) {
    return {{"file", r.file},
            {"description", r.region.description},
            {"target_filename", r.region.filename},
            {"base", fmt::format("{:#x}", r.region.base)},
            {"length", r.region.length},
            {"save_pref", r.region.save_pref},
            {"sha256", r.sha256}};
}

}  // namespace

RamdumpResult save_ramdump(Device& device, const std::filesystem::path& dir,
                           const ProgressFn& progress) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec)
        throw IoError(fmt::format("cannot create {}: {}", dir.string(), ec.message()),
                      "nothing was read; the module still waits in crash-dump mode",
                      "choose a writable directory with -o");
    RamdumpResult result;
    result.device = device.name();
    result.dir = dir;
    auto port = device.open_edl();
    sahara::Client client(*port);
    auto hello = client.wait_hello();
    auto regions = client.read_memory_table();
    std::uint64_t total = 0;
    for (const auto& r : regions) total += r.length;
    std::set<std::string> used{"index.json"};
    std::uint64_t done_before = 0;
    for (std::size_t i = 0; i < regions.size(); ++i) {
        const auto& region = regions[i];
        DumpedRegion d{region, unique_name(safe_region_file(region.filename, i), used), {}};
        Digest digest(Digest::Algorithm::sha256);
        write_file_atomically(dir / d.file, [&](const ByteSink& sink) {
            client.read_region(
                region.base, region.length,
                [&](ByteView chunk) {
                    digest.update(chunk);
                    sink(chunk);
                },
                [&](const ProgressEvent& e) {
                    report(progress,
                           {"save RAM dump", "bytes", done_before + e.done, total, false});
                });
        });
        d.sha256 = digest.finish_hex();
        done_before += region.length;
        result.regions.push_back(std::move(d));
    }
    client.reset();  // the module reboots
    result.total_bytes = total;
    nlohmann::json index;
    index["device"] = result.device;
    index["sahara_version"] = hello.version;
    index["total_bytes"] = total;
    index["regions"] = nlohmann::json::array();
    for (const auto& r : result.regions) index["regions"].push_back(region_json(r));
    write_file_atomically(dir / "index.json", as_bytes(index.dump(2) + "\n"));
    result.index = std::move(index);
    report(progress, {"save RAM dump", "bytes", total, total, true});
    return result;
}

}  // namespace cr::workflows
