#include "nv/restore_plan.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "nv/identity_items.hpp"
#include "nv/imei.hpp"
#include "nv/nv_catalog.hpp"
#include "src/util/error.hpp"
#include "src/util/hex.hpp"

namespace cr::nv {

std::string_view to_string(IdentityRow::Action action) {
    switch (action) {
        case IdentityRow::Action::kept:
            return "kept";
        case IdentityRow::Action::restored:
            return "restored";
        case IdentityRow::Action::changed:
            return "changed";
        case IdentityRow::Action::absent:
            return "absent";
    }
    return "?";
}

std::string_view to_string(TargetMatch match) {
    switch (match) {
        case TargetMatch::same_device:
            return "same device";
        case TargetMatch::different_device:
            return "different device";
        case TargetMatch::unknown:
            return "unknown (target shows no identity)";
    }
    return "?";
}

namespace {

bool shares_imei(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    for (const auto& x : a)
        if (!x.empty() && std::find(b.begin(), b.end(), x) != b.end()) return true;
    return false;
}
bool any_nonempty(const std::vector<std::string>& v) {
    return std::any_of(v.begin(), v.end(), [](const std::string& s) { return !s.empty(); });
}
bool known_esn(std::uint32_t esn) {
    return esn != 0 && esn != 0xFFFFFFFF;
}

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) {
        if (s.empty()) continue;
        if (!out.empty()) out += ", ";
        out += s;
    }
    return out.empty() ? "none" : out;
}

bool is_imei_copy(const std::string& path, std::size_t subscription) {
    std::string p = path.starts_with("/") ? path : "/" + path;
    auto ref = parse_nv_file_path(p);
    return ref && ref->id == item::ue_imei && ref->subscription == subscription && !ref->indexed;
}

}  // namespace

TargetMatch match_target(const DeviceIdentity& backup, const TargetIdentity& target) {
    if (backup.chip_serial != 0 && target.chip_serial != 0)
        return backup.chip_serial == target.chip_serial ? TargetMatch::same_device
                                                        : TargetMatch::different_device;
    if (shares_imei(backup.imeis, target.imeis)) return TargetMatch::same_device;
    if (any_nonempty(target.imeis)) return TargetMatch::different_device;
    if (known_esn(backup.esn) && known_esn(target.esn))
        return backup.esn == target.esn ? TargetMatch::same_device : TargetMatch::different_device;
    if (shares_imei(backup.imeis, target.known_own_imeis)) return TargetMatch::same_device;
    return TargetMatch::unknown;
}

std::size_t replace_imei(Calibration& cal, std::size_t subscription, const std::string& imei) {
    require_valid_imei(imei);
    if (subscription >= kSubscriptions) throw UsageError("no such subscription");
    Bytes encoded = encode_imei_nv(imei);
    std::size_t changed = 0;
    NvItem* item = find_item(cal, subscription, item::ue_imei);
    if (!item) {
        cal.nv[subscription].push_back(NvItem{item::ue_imei, 0, 1, {}});
        item = &cal.nv[subscription].back();
    }
    item->data.fill(0);
    std::copy(encoded.begin(), encoded.end(), item->data.begin());
    ++changed;
    for (auto& group : cal.efs)
        for (auto& file : group) {
            if (!is_imei_copy(file.path, subscription)) continue;
            file.data.resize(std::max(file.data.size(), encoded.size()));
            std::fill(file.data.begin(), file.data.end(), 0);
            std::copy(encoded.begin(), encoded.end(), file.data.begin());
            ++changed;
        }
    return changed;
}

namespace {

void check_overrides(const ImeiOverride& o) {
    if (o.imei) require_valid_imei(*o.imei);
    if (o.imei2) require_valid_imei(*o.imei2);
    if (o.imei2 && !o.imei) throw UsageError("--imei2 needs --imei as well");
    if (o.imei && o.imei2 && *o.imei == *o.imei2)
        throw UsageError("--imei and --imei2 are the same; each SIM slot has its own IMEI");
}

// The user's --imei equal to the backup's IMEI proves a target showing no identity is the
// backup's own device (it is the label IMEI).
bool overrides_match_backup(const ImeiOverride& o, const std::vector<std::string>& backup) {
    if (!o.imei || backup.empty() || backup[0] != *o.imei) return false;
    return !o.imei2 || (backup.size() > 1 && backup[1] == *o.imei2);
}

[[noreturn]] void refuse(const std::string& what, const std::string& next) {
    throw SafetyError(what, "nothing was written; the device is unchanged", next);
}

void apply_overrides(RestorePlan& plan, const ImeiOverride& o) {
    std::size_t n = replace_imei(plan.content, 0, *o.imei);
    plan.notes.push_back(fmt::format("IMEI (SIM 1) set to {} in {} place(s) instead of {}", *o.imei,
                                     n, plan.backup_imeis.empty() ? "none" : plan.backup_imeis[0]));
    if (o.imei2) {
        n = replace_imei(plan.content, 1, *o.imei2);
        plan.notes.push_back(fmt::format("IMEI (SIM 2) set to {} in {} place(s)", *o.imei2, n));
    }
}

}  // namespace

namespace {

// NV 550 records of the plan that would write something that is not a valid IMEI: the
// subscriptions they are for.
std::vector<std::size_t> malformed_imeis(const Calibration& cal) {
    std::vector<std::size_t> out;
    for (std::size_t sub = 0; sub < 2; ++sub) {
        const NvItem* item = find_item(cal, sub, item::ue_imei);
        if (!item) continue;
        try {
            auto imei = decode_imei_nv(item->data);
            if (imei && !is_valid_imei(*imei)) out.push_back(sub);
        } catch (const DecodeError&) {
            out.push_back(sub);
        }
    }
    return out;
}

void refuse_malformed(const Calibration& content, const ImeiOverride& o) {
    for (std::size_t sub : malformed_imeis(content)) {
        bool replaced = sub == 0 ? o.imei.has_value() : o.imei2.has_value();
        if (replaced) continue;
        const NvItem* item = find_item(content, sub, item::ue_imei);
        refuse(
            fmt::format("the backup's NV 550 (SIM {}) is not a valid IMEI ({}); writing it would "
                        "leave the module without its IMEI",
                        sub + 1, to_hex(ByteView(item->data).first(9), " ")),
            fmt::format("give the module's own IMEI from its label with {} so it is written "
                        "instead",
                        sub == 0 ? "--imei" : "--imei2"));
    }
}

// A donor's ESN and MEID never reach the target: their NV records and EFS copies go.
void drop_donor_identity(RestorePlan& plan) {
    for (const IdentityItem& item : identity_items()) {
        if (item.kind == IdentityKind::imei) continue;  // replaced by --imei instead
        std::string value = backup_identity_value(plan.content, item);
        if (drop_identity_item(plan.content, item) > 0)
            plan.notes.push_back(
                fmt::format("{} of the donor ({}) is not written: the target keeps "
                            "its own",
                            item.label, value.empty() ? "blank" : value));
    }
}

std::string target_value(const TargetIdentity& t, const IdentityItem& item) {
    switch (item.kind) {
        case IdentityKind::imei:
            return item.subscription < t.imeis.size() ? t.imeis[item.subscription] : "";
        case IdentityKind::esn:
            return known_esn(t.esn) ? fmt::format("0x{:08X}", t.esn) : "";
        case IdentityKind::meid:
            return t.meid;
    }
    return "";
}

std::vector<IdentityRow> identity_rows(const Calibration& backup, const RestorePlan& plan,
                                       const TargetIdentity& target) {
    std::vector<IdentityRow> rows;
    for (const IdentityItem& item : identity_items()) {
        IdentityRow row;
        row.item = std::string(item.label);
        row.target = target_value(target, item);
        row.backup = backup_identity_value(backup, item);
        if (const NvItem* nv = find_item(plan.content, item.subscription, item.nv_id))
            row.written = identity_value(item, nv->data);
        if (row.written.empty())
            row.action =
                row.target.empty() ? IdentityRow::Action::absent : IdentityRow::Action::kept;
        else if (row.written == row.target)
            row.action = IdentityRow::Action::kept;
        else
            row.action =
                row.target.empty() ? IdentityRow::Action::restored : IdentityRow::Action::changed;
        bool donor = plan.match != TargetMatch::same_device;
        if (donor && !row.backup.empty() && row.written.empty())
            row.note = "the donor's is not written";
        else if (donor && item.kind == IdentityKind::imei && !row.written.empty())
            row.note = "the target's own, from --imei";
        else if (!donor && !row.written.empty())
            row.note = "the device's own, from its backup";
        rows.push_back(std::move(row));
    }
    return rows;
}

}  // namespace

RestorePlan plan_restore(const Calibration& backup, const TargetIdentity& target,
                         const ImeiOverride& overrides) {
    check_overrides(overrides);
    RestorePlan plan;
    plan.content = backup;
    plan.backup_imeis = imeis_of(backup);
    DeviceIdentity source = backup.identity;
    source.imeis = plan.backup_imeis;
    plan.match = match_target(source, target);
    bool label_matches = overrides_match_backup(overrides, plan.backup_imeis);
    if (plan.match == TargetMatch::unknown && label_matches) {
        plan.match = TargetMatch::same_device;
        plan.notes.push_back("the target shows no IMEI; --imei matches the backup's IMEI");
    }
    bool backup_imei_usable = !plan.backup_imeis.empty() && is_valid_imei(plan.backup_imeis[0]);
    if (plan.match == TargetMatch::same_device) {
        if (overrides.imei && !label_matches && backup_imei_usable)
            refuse(fmt::format("--imei {} differs from this device's own backup IMEI ({})",
                               *overrides.imei, join(plan.backup_imeis)),
                   "check the IMEI on the module's label; a device keeps its own IMEI");
        if (overrides.imei && !label_matches) apply_overrides(plan, overrides);  // malformed
    } else {
        if (!overrides.imei)
            refuse(fmt::format("the backup belongs to another device (backup IMEI {}, target {}: "
                               "{})",
                               join(plan.backup_imeis), to_string(plan.match), join(target.imeis)),
                   "to use it anyway, give the target's own IMEI from its label: --imei IMEI "
                   "(and --imei2 for a second SIM)");
        if (label_matches)
            refuse(fmt::format("--imei {} is the donor backup's IMEI, but the target reports {}",
                               *overrides.imei, join(target.imeis)),
                   "give the target's own IMEI from its label");
        if (plan.backup_imeis.size() > 1 && !plan.backup_imeis[1].empty() && !overrides.imei2)
            refuse("the backup holds a second IMEI (SIM 2) and --imei2 was not given",
                   "give the target's second IMEI with --imei2 so the donor's is not written");
        apply_overrides(plan, overrides);
        drop_donor_identity(plan);
    }
    refuse_malformed(plan.content, overrides);
    plan.written_imeis = imeis_of(plan.content);
    plan.identity = identity_rows(backup, plan, target);
    return plan;
}

}  // namespace cr::nv
