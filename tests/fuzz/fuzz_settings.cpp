// Fuzzes the settings parsers: query answers (every catalogue setting, +CGDCONT, the MBN list,
// +USIO), value validation and canonical forms, and settings documents (record JSON).
// Invariants: nothing but DecodeError is thrown; a parsed value is valid for its kind; a
// canonical value is valid and canonical again; a record read back equals itself, diffs empty
// against itself and plans no write against itself.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "protocols/at/settings_parse.hpp"
#include "protocols/at/settings_plan.hpp"
#include "protocols/at/settings_record.hpp"
#include "src/util/error.hpp"

using namespace cr::at::settings;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : text) {
        if (c == '\n' || c == '\r') {
            if (!cur.empty()) out.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    if (!cur.empty()) out.push_back(cur);
    return out;
}

void check_value(ValueKind kind, const std::string& v) {
    if (!valid_value(kind, v)) return;
    std::string c = canonical(kind, v);
    if (!valid_value(kind, c) || canonical(kind, c) != c || !equivalent(kind, v, c))
        __builtin_trap();
}

void answers(const std::vector<std::string>& lines) {
    for (Vendor vendor : {Vendor::quectel, Vendor::ublox})
        for (const auto& spec : catalogue(vendor)) {
            ParsedValue p = parse_value(spec, lines);
            if (p.value) {
                if (!valid_value(spec.kind, *p.value)) __builtin_trap();
                check_value(spec.kind, *p.value);
                try {
                    (void)set_commands(spec, spec.per_context ? "cgdcont/1" : spec.id, *p.value);
                } catch (const cr::DecodeError&) {
                    if (spec.id != "ubandmask") __builtin_trap();  // only grouping may fail
                }
            }
        }
    for (const auto& [cid, value] : parse_contexts(lines))
        if (cid < 1 || cid > 255 || !valid_value(ValueKind::pdp, value)) __builtin_trap();
    std::vector<std::string> active;
    (void)parse_mbn_list(lines, &active);
    (void)parse_usio_active(lines);
    for (const auto& l : lines) {
        for (ValueKind k : {ValueKind::integers, ValueKind::quoted, ValueKind::band_list,
                            ValueKind::rat_list, ValueKind::hex_list, ValueKind::pdp})
            check_value(k, l);
        (void)bandmask_groups(l);
        (void)split_params(l);
    }
}

void document(const std::string& text) {
    SettingsRecord r;
    try {
        r = record_from_text(text);
    } catch (const cr::DecodeError&) {
        return;
    }
    SettingsRecord back = record_from_json(to_json(r));  // must not throw
    if (to_json(back) != to_json(r) || !diff(r, back).empty()) __builtin_trap();
    for (Phase phase : {Phase::profile, Phase::normal}) {
        ApplyPlan p = plan_apply(r, back, phase);
        if (p.count(StepAction::set) != 0) __builtin_trap();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    answers(lines_of(text));
    document(text);
    return 0;
}
