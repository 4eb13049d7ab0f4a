#include "src/package/programmer_store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "src/util/atomic_file.hpp"
#include "src/util/digest.hpp"
#include "src/util/error.hpp"
#include "src/util/paths.hpp"

namespace cr {
namespace {

namespace fs = std::filesystem;

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

nlohmann::json to_json(const StoredProgrammer& p, const fs::path& dir) {
    return {{"file", fs::relative(p.file, dir).string()},
            {"name", p.name},
            {"msm_hw_id", p.msm_hw_id},
            {"pk_hash", p.pk_hash_hex},
            {"sha256", p.sha256},
            {"source", p.source}};
}

std::vector<StoredProgrammer> load_index(const fs::path& dir) {
    std::vector<StoredProgrammer> out;
    fs::path index = dir / "index.json";
    if (!fs::exists(index)) return out;
    Bytes raw = read_file(index);
    auto j = nlohmann::json::parse(as_chars(raw), nullptr, false);
    if (j.is_discarded() || !j.is_array())
        throw DecodeError(fmt::format("the programmer store index {} is corrupt", index.string()),
                          {}, "move it away; `cellrescue programmers add` rebuilds it");
    for (const auto& e : j) {
        StoredProgrammer p;
        p.file = dir / e.value("file", std::string{});
        p.name = e.value("name", std::string{});
        p.msm_hw_id = e.value("msm_hw_id", 0u);
        p.pk_hash_hex = e.value("pk_hash", std::string{});
        p.sha256 = e.value("sha256", std::string{});
        p.source = e.value("source", std::string{});
        if (fs::exists(p.file)) out.push_back(std::move(p));
    }
    return out;
}

void save_index(const fs::path& dir, const std::vector<StoredProgrammer>& entries) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& p : entries) j.push_back(to_json(p, dir));
    write_file_atomically(dir / "index.json", as_bytes(j.dump(2)));
}

}  // namespace

ProgrammerStore::ProgrammerStore(std::filesystem::path dir)
    : dir_(dir.empty() ? default_programmer_dir() : std::move(dir)) {}

std::vector<StoredProgrammer> ProgrammerStore::list() const {
    auto all = load_index(dir_);
    std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
        return std::tie(a.msm_hw_id, a.name) < std::tie(b.msm_hw_id, b.name);
    });
    return all;
}

std::optional<StoredProgrammer> ProgrammerStore::find(std::uint32_t msm_hw_id,
                                                      const std::string& pk_hash_hex) const {
    auto all = load_index(dir_);
    std::string pk = lower(pk_hash_hex);
    for (const auto& p : all)
        if (p.msm_hw_id == msm_hw_id && !pk.empty() && p.pk_hash_hex == pk) return p;
    for (const auto& p : all)
        if (p.msm_hw_id == msm_hw_id && msm_hw_id != 0 && p.pk_hash_hex.empty()) return p;
    return std::nullopt;
}

std::vector<StoredProgrammer> ProgrammerStore::unbound() const {
    std::vector<StoredProgrammer> out;
    for (auto& p : load_index(dir_))
        if (p.msm_hw_id == 0) out.push_back(std::move(p));
    return out;
}

StoredProgrammer ProgrammerStore::add(const std::filesystem::path& file, std::uint32_t msm_hw_id,
                                      const std::string& pk_hash_hex, const std::string& source) {
    if (!fs::is_regular_file(file))
        throw NotFoundError(fmt::format("programmer file {} not found", file.string()), {},
                            "name the prog_*firehose* file from the firmware package");
    Bytes content = read_file(file);
    if (content.empty())
        throw UsageError(fmt::format("programmer file {} is empty", file.string()));
    StoredProgrammer p;
    p.name = file.filename().string();
    p.msm_hw_id = msm_hw_id;
    p.pk_hash_hex = lower(pk_hash_hex);
    p.sha256 = sha256_hex(content);
    p.source = source;
    std::string bucket =
        msm_hw_id == 0
            ? std::string("unbound")
            : fmt::format("{:08x}-{}", msm_hw_id,
                          p.pk_hash_hex.empty() ? std::string("any") : p.pk_hash_hex.substr(0, 16));
    p.file = dir_ / bucket / p.name;
    auto all = load_index(dir_);
    for (const auto& e : all)
        if (e.sha256 == p.sha256 && e.msm_hw_id == p.msm_hw_id && e.pk_hash_hex == p.pk_hash_hex)
            return e;  // already known for this target
    fs::create_directories(p.file.parent_path());
    write_file_atomically(p.file, content);
    std::erase_if(all, [&](const StoredProgrammer& e) { return e.file == p.file; });
    all.push_back(p);
    save_index(dir_, all);
    return p;
}

}  // namespace cr
