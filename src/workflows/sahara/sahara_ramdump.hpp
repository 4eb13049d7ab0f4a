// `cellrescue edl ramdump`: save the memory of a module that crashed into Sahara memory-debug
// mode (USB 05c6:900e). Layout of the output directory:
//   DIR/<filename from the target's table>   one file per region (names sanitised, unique)
//   DIR/index.json                            device, Sahara version, and per region: file,
//                                             description, base, length, save_pref, sha256
// Each file is written to a temporary name and renamed when complete; index.json is written
// last, so a directory with an index.json holds a complete dump.
#pragma once
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "protocols/sahara/sahara_client.hpp"
#include "src/device/device.hpp"
#include "src/util/progress.hpp"

namespace cr::workflows {

struct DumpedRegion {
    sahara::MemoryRegion region;
    std::string file;  // name inside the output directory
    std::string sha256;
};

struct RamdumpResult {
    std::string device;
    std::filesystem::path dir;
    std::vector<DumpedRegion> regions;
    std::uint64_t total_bytes = 0;
    nlohmann::json index;  // what index.json holds
};

// Throws ProtocolError when the device is not in memory-debug mode, IoError when the directory
// cannot be written, and the Sahara client's typed errors. The module reboots after the dump
// (RESET).
RamdumpResult save_ramdump(Device& device, const std::filesystem::path& dir,
                           const ProgressFn& progress = {});

// A region name from the target, made safe as a file name ("../x" -> "x", "" -> "region3.bin").
std::string safe_region_file(const std::string& name, std::size_t index);

}  // namespace cr::workflows
