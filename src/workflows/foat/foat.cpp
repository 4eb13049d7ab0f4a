#include "src/workflows/foat/foat.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <regex>

#include "src/util/error.hpp"
#include "src/workflows/foat/foat_session.hpp"

namespace cr::workflows {

std::string foat_refusal(const std::string& ati9, const std::string& cgmr,
                         const std::string& model) {
    if (ati9.starts_with("M0.00.00") || cgmr.starts_with("M0.00.00"))
        return fmt::format(
            "the module runs engineering firmware M0.00.00 ({}): FOAT cannot update it; it needs "
            "a full flash (u-blox EasyFlash over the Qualcomm download path)",
            cgmr.empty() ? ati9 : cgmr);
    static const std::regex lversion(R"(^L0\.0\.00\.00\.(\d\d)\.(\d\d))");
    std::smatch m;
    if (model.starts_with("SARA-R4") && std::regex_search(ati9, m, lversion)) {
        int major = std::stoi(m[1]), minor = std::stoi(m[2]);
        if (major < 5 || (major == 5 && minor < 12))
            return fmt::format(
                "firmware {}.{} is below 05.12: modules below 05.12 reach the "
                "02B-03 line only by a full flash, not by FOAT",
                m[1].str(), m[2].str());
    }
    return {};
}

namespace {

Bytes read_package(const std::filesystem::path& path) {
    std::error_code ec;
    auto size = std::filesystem::file_size(path, ec);
    if (ec)
        throw NotFoundError(
            fmt::format("cannot read the update package {}: {}", path.string(), ec.message()),
            "nothing was sent; the module is unchanged", "check the file name");
    if (size == 0)
        throw DecodeError(fmt::format("the update package {} is empty", path.string()),
                          "nothing was sent; the module is unchanged",
                          "use the .bin package u-blox supplies for this module");
    if (size > (64u << 20))
        throw DecodeError(
            fmt::format("{} is {} bytes: too large for a FOAT package", path.string(), size),
            "nothing was sent; the module is unchanged",
            "check that this is a FOAT (delta) package, not a full flash image");
    std::ifstream in(path, std::ios::binary);
    Bytes data(size);
    in.read(reinterpret_cast<char*>(data.data()), static_cast<long>(size));
    if (!in) throw IoError(fmt::format("reading {} failed", path.string()));
    return data;
}

}  // namespace

FoatReport run_foat(Device& device, const FoatOptions& options) {
    Bytes package = read_package(options.package);
    FoatSession session(device, options, std::move(package));
    return session.run();
}

}  // namespace cr::workflows
