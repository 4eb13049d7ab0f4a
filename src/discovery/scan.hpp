// The scanners discover() combines (each appends to the result; none throws for one bad device).
#pragma once
#include "src/discovery/discovery.hpp"

namespace cr::discovery {

void scan_usb(Result& result);
void scan_pcie(const std::filesystem::path& dev_dir, Result& result);
void scan_virtual(const std::filesystem::path& sim_dir, Result& result);

}  // namespace cr::discovery
