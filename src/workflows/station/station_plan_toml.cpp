// TOML plan files: toml++ (Debian libtomlplusplus-dev, its shared library) parses, the document
// becomes JSON, and the JSON plan's checks run on it.
#define TOML_HEADER_ONLY 0
#define TOML_SHARED_LIB 1
#include <fmt/format.h>

#include <toml++/toml.h>

#include <sstream>

#include "src/util/error.hpp"
#include "src/workflows/station/station_plan.hpp"

namespace cr::workflows {
namespace {

using nlohmann::json;

[[noreturn]] void fail(std::string_view source, const std::string& key, const std::string& what) {
    throw DecodeError(fmt::format("{}: {}: {}", source, key.empty() ? "(top)" : key, what),
                      "no module was touched",
                      "fix the plan file (docs/station.md lists its keys)");
}

json to_json(const toml::node& n, std::string_view source, const std::string& key, int depth) {
    if (depth > 32) fail(source, key, "nested too deep");
    if (const auto* t = n.as_table()) {
        json o = json::object();
        for (const auto& [k, v] : *t) {
            std::string name(k.str());
            o[name] = to_json(v, source, key.empty() ? name : key + "." + name, depth + 1);
        }
        return o;
    }
    if (const auto* a = n.as_array()) {
        json arr = json::array();
        for (std::size_t i = 0; i < a->size(); ++i)
            arr.push_back(to_json(*a->get(i), source, fmt::format("{}[{}]", key, i), depth + 1));
        return arr;
    }
    if (const auto* s = n.as_string()) return s->get();
    if (const auto* i = n.as_integer()) return i->get();
    if (const auto* f = n.as_floating_point()) return f->get();
    if (const auto* b = n.as_boolean()) return b->get();
    fail(source, key, "a date or time is not a plan value");
}

}  // namespace

StationPlan parse_station_plan_toml(std::string_view text, const std::filesystem::path& base_dir,
                                    std::string_view source) {
    toml::table doc;
    try {
        doc = toml::parse(text, source);
    } catch (const toml::parse_error& e) {
        throw DecodeError(fmt::format("{}: not valid TOML: line {}, column {}: {}", source,
                                      e.source().begin.line, e.source().begin.column,
                                      e.description()),
                          "no module was touched", "fix the plan file's syntax");
    }
    return plan_from_document(to_json(doc, source, "", 0), base_dir, source);
}

}  // namespace cr::workflows
