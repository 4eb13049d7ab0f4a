// `cellrescue snapshot export FILE --rawprogram DIR`: a snapshot as the XML set Qualcomm tools
// (Debian qdl, QFIL) flash: rawprogram0.xml + patch0.xml + one image per partition/GPT copy.
// GPT storage: one <program> per entry (both GPT copies verbatim, so patch0.xml is empty).
// NAND: one <erase> per partition, then one <program> per run of pages that were not erased
// (file_sector_offset into the image), so erased pages stay erased (PROTOCOLS.md §3).
// Images are streamed out of the bundle (verified as they are read); the XML files are written
// last, so a failed export leaves no rawprogram0.xml.
#pragma once
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace cr::workflows {

struct ExportReport {
    std::filesystem::path dir;
    std::vector<std::string> images;
    std::size_t programs = 0, erases = 0;
};
nlohmann::json to_json(const ExportReport& report);
std::string describe(const ExportReport& report);

// `only`: entry names to export (empty: every partition and GPT copy); NotFoundError for a name
// the snapshot does not hold, before anything is written.
ExportReport export_rawprogram(const std::filesystem::path& snapshot,
                               const std::filesystem::path& dir,
                               const std::vector<std::string>& only = {});

}  // namespace cr::workflows
