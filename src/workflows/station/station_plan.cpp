#include "src/workflows/station/station_plan.hpp"

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "src/util/error.hpp"
#include "src/workflows/station/model_match.hpp"

namespace cr::workflows {
namespace {

using nlohmann::json;

// Where an error is: the file and the dotted key path.
struct Ctx {
    std::string_view source;
    std::filesystem::path base;

    [[noreturn]] void fail(const std::string& key, const std::string& what) const {
        throw DecodeError(fmt::format("{}: {}: {}", source, key, what), "no module was touched",
                          "fix the plan file (docs/station.md lists its keys)");
    }
    void only_keys(const json& obj, const std::string& where,
                   const std::set<std::string>& allowed) const {
        for (const auto& [k, v] : obj.items())
            if (!allowed.count(k))
                fail(where.empty() ? k : where + "." + k,
                     fmt::format("unknown key (known: {})", fmt::join(allowed, ", ")));
    }
    std::string text(const json& v, const std::string& key) const {
        if (!v.is_string()) fail(key, "expected a string");
        auto s = v.get<std::string>();
        if (s.empty()) fail(key, "must not be empty");
        return s;
    }
    std::filesystem::path path(const json& v, const std::string& key) const {
        std::filesystem::path p = text(v, key);
        return p.is_absolute() ? p : base / p;
    }
    std::uint64_t count(const json& v, const std::string& key, std::uint64_t max) const {
        if (!v.is_number_integer() ||
            (v.is_number_integer() && !v.is_number_unsigned() && v.get<std::int64_t>() < 0))
            fail(key, "expected a whole number of 0 or more");
        auto n = v.get<std::uint64_t>();
        if (n > max) fail(key, fmt::format("{} is too large (at most {})", n, max));
        return n;
    }
};

ModelPlan model_plan(const Ctx& c, const json& v, const std::string& key) {
    ModelPlan m;
    if (v.is_string()) {  // "EC25": "dir" is short for {"package": "dir"}
        m.package = c.path(v, key);
        return m;
    }
    if (!v.is_object())
        c.fail(key, "expected a package path or {\"package\": ..., \"firmware_after\": ...}");
    c.only_keys(v, key, {"package", "firmware_after"});
    if (!v.contains("package")) c.fail(key + ".package", "missing");
    m.package = c.path(v["package"], key + ".package");
    if (v.contains("firmware_after"))
        m.firmware_after = c.text(v["firmware_after"], key + ".firmware_after");
    return m;
}

void parse_models(const Ctx& c, const json& v, StationPlan& plan) {
    if (!v.is_object() || v.empty())
        c.fail("models", "expected an object of model -> package, e.g. {\"EC25\": \"EC25.zip\"}");
    for (const auto& [name, m] : v.items()) {
        auto family = module_family_of_name(name);
        if (!family)
            c.fail("models." + name, "unknown model (EC25, EG25, RM500Q, RM520N, ... expected)");
        if (plan.models.count(*family))
            c.fail("models." + name, fmt::format("{} is named twice", *family));
        plan.models[*family] = model_plan(c, m, "models." + name);
    }
}

void parse_checks(const Ctx& c, const json& v, StationPlan& plan) {
    if (!v.is_array()) c.fail("checks", "expected a list of check names");
    JobChecks k;
    k.backup_taken = k.imei_unchanged = k.diagnose_healthy = false;
    k.strict = true;  // a required check that cannot be evaluated fails the module
    bool firmware = false;
    for (std::size_t i = 0; i < v.size(); ++i) {
        std::string key = fmt::format("checks[{}]", i);
        std::string name = c.text(v[i], key);
        if (name == "backup_taken")
            k.backup_taken = true;
        else if (name == "imei_unchanged")
            k.imei_unchanged = true;
        else if (name == "diagnose_healthy")
            k.diagnose_healthy = true;
        else if (name == "firmware_after")
            firmware = true;
        else
            c.fail(key, fmt::format("unknown check '{}' (backup_taken, firmware_after, "
                                    "imei_unchanged, diagnose_healthy)",
                                    name));
    }
    if (firmware)
        for (const auto& [family, m] : plan.models)
            if (!m.firmware_after)
                c.fail("models." + family + ".firmware_after",
                       "missing: the check firmware_after needs the firmware each model must "
                       "report");
    plan.checks = k;
}

}  // namespace

StationPlan parse_station_plan(std::string_view text, const std::filesystem::path& base_dir,
                               std::string_view source) {
    json doc;
    try {
        doc = json::parse(text);
    } catch (const json::parse_error& e) {
        throw DecodeError(fmt::format("{}: not valid JSON: {}", source, e.what()),
                          "no module was touched", "fix the plan file's syntax");
    }
    return plan_from_document(doc, base_dir, source);
}

StationPlan plan_from_document(const nlohmann::json& doc, const std::filesystem::path& base_dir,
                               std::string_view source) {
    Ctx c{source, base_dir};
    if (!doc.is_object()) c.fail("(top)", "expected a JSON object");
    c.only_keys(doc, "",
                {"version", "models", "checks", "retries", "jobs", "backup_min_free_mb",
                 "report_dir", "backup_dir", "log_dir"});
    if (doc.contains("version") && doc.at("version") != 1)
        c.fail("version", "this cellrescue reads plan version 1");
    StationPlan plan;
    if (!doc.contains("models")) c.fail("models", "missing: which package each model gets");
    parse_models(c, doc["models"], plan);
    if (doc.contains("checks")) parse_checks(c, doc["checks"], plan);
    if (doc.contains("retries"))
        plan.retries = static_cast<int>(c.count(doc["retries"], "retries", 10));
    if (doc.contains("jobs")) plan.jobs = c.count(doc["jobs"], "jobs", 64);
    if (plan.jobs && *plan.jobs == 0) c.fail("jobs", "must be 1 or more");
    if (doc.contains("backup_min_free_mb"))
        plan.backup_min_free = c.count(doc["backup_min_free_mb"], "backup_min_free_mb", 1u << 24)
                               << 20;
    if (doc.contains("report_dir")) plan.report_dir = c.path(doc["report_dir"], "report_dir");
    if (doc.contains("backup_dir")) plan.backup_dir = c.path(doc["backup_dir"], "backup_dir");
    if (doc.contains("log_dir")) plan.log_dir = c.path(doc["log_dir"], "log_dir");
    return plan;
}

StationPlan load_station_plan(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in)
        throw IoError(fmt::format("cannot read the plan {}", file.string()),
                      "no module was touched", "check the --plan path");
    std::stringstream ss;
    ss << in.rdbuf();
    auto base = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
    if (file.extension() == ".toml") return parse_station_plan_toml(ss.str(), base, file.string());
    return parse_station_plan(ss.str(), base, file.string());
}

}  // namespace cr::workflows
