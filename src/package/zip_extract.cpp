#include "src/package/zip_extract.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>
#include <zip.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <vector>

#include "src/util/error.hpp"

namespace cr::package {
namespace {

const char* kHostile = "do not use this archive: get the package from a trusted source";

struct ZipCloser {
    void operator()(zip_t* z) const { zip_discard(z); }
};
struct FileCloser {
    void operator()(zip_file_t* f) const { zip_fclose(f); }
};

std::unique_ptr<zip_t, ZipCloser> open_zip(const std::filesystem::path& file) {
    int err = 0;
    zip_t* z = zip_open(file.c_str(), ZIP_RDONLY, &err);
    if (!z) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, err);
        std::string text = zip_error_strerror(&ze);
        zip_error_fini(&ze);
        if (err == ZIP_ER_NOENT)
            throw NotFoundError(fmt::format("package {} does not exist", file.string()));
        throw DecodeError(fmt::format("{} is not a readable zip archive: {}", file.string(), text),
                          {}, "re-download the package");
    }
    return std::unique_ptr<zip_t, ZipCloser>(z);
}

void write_member(zip_t* z, zip_uint64_t index, const zip_stat_t& st,
                  const std::filesystem::path& out, const std::string& name) {
    std::unique_ptr<zip_file_t, FileCloser> f(zip_fopen_index(z, index, 0));
    if (!f)
        throw DecodeError(fmt::format("zip member {} cannot be read: {}", name, zip_strerror(z)),
                          {}, kHostile);
    std::filesystem::create_directories(out.parent_path());
    std::ofstream o(out, std::ios::binary | std::ios::trunc);
    if (!o) throw IoError(fmt::format("cannot create {}", out.string()));
    std::vector<char> buf(256 * 1024);
    std::uint64_t total = 0;
    for (;;) {
        zip_int64_t n = zip_fread(f.get(), buf.data(), buf.size());
        if (n < 0)
            throw DecodeError(
                fmt::format("zip member {} is damaged: {}", name, zip_file_strerror(f.get())), {},
                "re-download the package");
        if (n == 0) break;
        total += static_cast<std::uint64_t>(n);
        if (total > st.size)
            throw DecodeError(fmt::format("zip member {} inflates past its declared size", name),
                              {}, kHostile);
        o.write(buf.data(), n);
        if (!o) throw IoError(fmt::format("writing {} failed (disk full?)", out.string()));
    }
    if (total != st.size)
        throw DecodeError(fmt::format("zip member {} is shorter than declared", name), {},
                          "re-download the package");
}

}  // namespace

bool looks_like_zip(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    char magic[4] = {};
    in.read(magic, 4);
    if (in.gcount() == 4 && std::memcmp(magic, "PK\x03\x04", 4) == 0) return true;
    auto ext = file.extension().string();
    return ext == ".zip" || ext == ".ZIP";
}

std::string safe_relative(std::string_view written, const std::string& what) {
    std::string p(written);
    for (char& c : p)
        if (c == '\\') c = '/';
    bool drive = p.size() >= 2 && std::isalpha(static_cast<unsigned char>(p[0])) && p[1] == ':';
    if (p.empty() || p[0] == '/' || drive)
        throw DecodeError(fmt::format("{}: absolute path '{}' refused", what, written), {},
                          kHostile);
    std::filesystem::path norm = std::filesystem::path(p).lexically_normal();
    if (norm.empty() || *norm.begin() == "..")
        throw DecodeError(fmt::format("{}: path '{}' leaves the package", what, written), {},
                          kHostile);
    return norm.generic_string();
}

void extract_zip(const std::filesystem::path& file, const std::filesystem::path& into,
                 const ZipLimits& limits) {
    auto z = open_zip(file);
    zip_int64_t count = zip_get_num_entries(z.get(), 0);
    if (count < 0 || static_cast<std::uint64_t>(count) > limits.max_entries)
        throw DecodeError(
            fmt::format("{} has {} members (limit {})", file.string(), count, limits.max_entries),
            {}, kHostile);
    // Check every header before extracting anything.
    std::vector<zip_stat_t> stats(static_cast<std::size_t>(count));
    std::uint64_t total = 0;
    for (zip_int64_t i = 0; i < count; ++i) {
        zip_stat_t& st = stats[static_cast<std::size_t>(i)];
        if (zip_stat_index(z.get(), static_cast<zip_uint64_t>(i), 0, &st) != 0 || !st.name)
            throw DecodeError(fmt::format("{}: member {} is unreadable", file.string(), i), {},
                              kHostile);
        std::string what = fmt::format("{} member {}", file.filename().string(), st.name);
        safe_relative(st.name, what);
        total += st.size;
        if (total > limits.max_total_uncompressed)
            throw DecodeError(fmt::format("{}: uncompressed size exceeds {} bytes", file.string(),
                                          limits.max_total_uncompressed),
                              {}, kHostile);
        if (st.size > (1u << 20) &&
            st.size / std::max<std::uint64_t>(st.comp_size, 1) > limits.max_ratio)
            throw DecodeError(fmt::format("{}: compression ratio {}:1 is absurd (zip bomb?)", what,
                                          st.size / std::max<std::uint64_t>(st.comp_size, 1)),
                              {}, kHostile);
    }
    for (zip_int64_t i = 0; i < count; ++i) {
        const zip_stat_t& st = stats[static_cast<std::size_t>(i)];
        std::string rel = safe_relative(st.name, st.name);
        std::string raw(st.name);
        if (!raw.empty() && (raw.back() == '/' || raw.back() == '\\')) {
            std::filesystem::create_directories(into / rel);
            continue;
        }
        write_member(z.get(), static_cast<zip_uint64_t>(i), st, into / rel, st.name);
    }
    spdlog::debug("extracted {} members ({} bytes) of {} into {}", count, total, file.string(),
                  into.string());
}

}  // namespace cr::package
