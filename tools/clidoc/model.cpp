#include "tools/clidoc/model.hpp"

namespace cr::clidoc {
namespace {

// CLI11 appends a check's description to the type name: "TEXT:{ufwupd,udwnfile}".
std::vector<std::string> choices_of(const std::string& type_name) {
    auto open = type_name.find(":{");
    auto close = type_name.rfind('}');
    if (open == std::string::npos || close == std::string::npos || close < open) return {};
    std::vector<std::string> out;
    std::string items = type_name.substr(open + 2, close - open - 2);
    std::size_t start = 0;
    while (start <= items.size()) {
        auto comma = items.find(',', start);
        if (comma == std::string::npos) comma = items.size();
        if (comma > start) out.push_back(items.substr(start, comma - start));
        start = comma + 1;
    }
    return out;
}

OptionDoc describe_option(const CLI::Option& o) {
    OptionDoc d;
    for (const auto& s : o.get_snames()) d.names.push_back("-" + s);
    for (const auto& l : o.get_lnames()) d.names.push_back("--" + l);
    if (d.names.empty()) d.positional = o.get_name();
    if (o.get_items_expected_max() > 0) d.value = o.get_type_name();
    d.choices = choices_of(d.value);
    d.description = o.get_description();
    d.envname = o.get_envname();
    d.required = o.get_required();
    d.repeatable = o.get_items_expected_max() > 1;
    return d;
}

CommandDoc describe_at(const CLI::App& app, std::vector<std::string> path) {
    CommandDoc doc;
    doc.path = std::move(path);
    doc.description = app.get_description();
    doc.requires_subcommand = app.get_require_subcommand_min() > 0;
    for (const CLI::Option* o : app.get_options()) {
        if (o->get_group().empty()) continue;  // hidden
        auto d = describe_option(*o);
        (d.positional.empty() ? doc.options : doc.positionals).push_back(std::move(d));
    }
    // Option groups are nameless apps: their options belong to this command.
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
        if (sub->get_name().empty()) {
            auto inner = describe_at(*sub, doc.path);
            for (auto& o : inner.options) doc.options.push_back(std::move(o));
            continue;
        }
        if (sub->get_group().empty()) continue;  // hidden
        auto child = doc.path;
        child.push_back(sub->get_name());
        doc.subcommands.push_back(describe_at(*sub, std::move(child)));
    }
    return doc;
}

void flatten_into(const CommandDoc& c, std::vector<const CommandDoc*>& out) {
    out.push_back(&c);
    for (const auto& s : c.subcommands) flatten_into(s, out);
}

}  // namespace

std::string CommandDoc::joined(const std::string& sep) const {
    std::string out;
    for (const auto& p : path) out += (out.empty() ? "" : sep) + p;
    return out;
}

CommandDoc describe(const CLI::App& app) {
    return describe_at(app, {});
}

std::vector<const CommandDoc*> flatten(const CommandDoc& root) {
    std::vector<const CommandDoc*> out;
    flatten_into(root, out);
    return out;
}

}  // namespace cr::clidoc
