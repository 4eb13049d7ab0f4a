// The calibrated factory EFS of a virtual module: deterministic per module id, with the IMEIs
// from its state. Shapes follow PROTOCOLS.md §4-§5 (numbered items in /nvm/num, per-unit RF
// calibration in /nv/item_files/rfnv/000NNNNN, provisioning item files, policyman XML).
#include <fmt/format.h>

#include "nv/imei.hpp"
#include "sim/diag/efs_store.hpp"
#include "src/util/digest.hpp"

namespace cr::sim {
namespace {

// splitmix64: a small deterministic generator seeded per module (no global state).
class Rng {
  public:
    explicit Rng(std::uint64_t seed) : s_(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    std::uint32_t below(std::uint32_t n) { return static_cast<std::uint32_t>(next() % n); }
    Bytes bytes(std::size_t n) {
        Bytes b(n);
        for (std::size_t i = 0; i < n; i += 8) {
            std::uint64_t v = next();
            for (std::size_t k = 0; k < 8 && i + k < n; ++k) b[i + k] = (v >> (8 * k)) & 0xFF;
        }
        return b;
    }

  private:
    std::uint64_t s_;
};

constexpr std::uint32_t kFactoryTime = 1650000000;  // mtime of factory files

Bytes le(std::uint64_t v, std::size_t n) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i) b[i] = (v >> (8 * i)) & 0xFF;
    return b;
}

void item(EfsTree& t, const std::string& path, ByteView data, std::uint32_t time = kFactoryTime) {
    t.put_file(path, data, EfsNode::Type::item, true, time);
}

void numbered_items(EfsTree& t, const ModuleState& s, Rng& rng) {
    if (!s.imeis.empty()) item(t, nv_item_path(550, 0), nv::encode_imei_nv(s.imeis[0]));
    if (s.imeis.size() > 1) item(t, nv_item_path(550, 1), nv::encode_imei_nv(s.imeis[1]));
    item(t, "/nvm/num/0", le(s.serial, 4));      // ESN
    item(t, "/nvm/num/85", as_bytes("000000"));  // NV_SEC_CODE_I (SPC)
    item(t, "/nvm/num/453", Bytes{0});           // NV_FTM_MODE_I: online
    item(t, "/nvm/num/5153", Bytes{0x01});       // IMEISV SVN
    item(t, "/nvm/num/569", le(0x00030002, 4));  // RF cal version
    item(t, "/nvm/num/571", le(kFactoryTime - 86400 * 30 + rng.below(86400), 4));  // cal date
    for (std::uint16_t id = 2497; id <= 2500; ++id) item(t, nv_item_path(id, 0), rng.bytes(128));
    item(t, "/nvm/num/6828", le(0x000007FF3BFF18DFull, 8));           // LTE band capability
    item(t, "/nvm/num/441", le(0x4000000000000ull | 0x3FFFFFFF, 8));  // band pref
    item(t, "/nvm/num/946", le(0x2000000ull, 8));
    item(t, "/nvm/num/2954", le(0x3C00000ull, 8));
    item(t, "/nvm/num/10", Bytes{0x00, 0x3A});  // preferred mode: two bytes on these firmwares
    // MEID (NV_MEID_I): 14 hex digits in a qword, unique per unit like the ESN.
    item(t, "/nvm/num/1943", le(0xA1000000000000ull | (s.serial & 0xFFFFFFFFFFull), 8));
    // The rest of a real unit's numbered items: RF/power tables, factory flags.
    std::uint16_t ids[] = {2,    3,    4,    5,    6,    7,    8,    9,    11,   12,   13,   14,
                           15,   16,   17,   33,   37,   40,   42,   43,   44,   45,   46,   71,
                           74,   178,  179,  181,  182,  209,  256,  296,  297,  298,  299,  300,
                           301,  418,  422,  423,  424,  425,  426,  427,  428,  429,  430,  431,
                           432,  562,  850,  855,  882,  888,  895,  905,  906,  910,  1015, 1016,
                           1017, 1018, 1031, 1192, 1877, 1878, 1896, 1897, 3461, 3532, 3628, 3649,
                           4102, 4118, 4204, 4398, 4399, 4526, 4527, 4528, 4529, 4964, 5090, 5280,
                           5281, 5282, 5283, 5284, 6248, 6249, 6250, 6251, 6252, 6253, 6254, 6255,
                           6256, 6792, 6850, 6851, 6853, 6873, 6876, 6907, 6910, 7166};
    for (std::uint16_t id : ids) {
        Bytes v = rng.bytes(1 + rng.below(127));
        v.back() |= 0x01;  // unknown sizes are the written length: no trailing zero padding
        item(t, nv_item_path(id, 0), v);
    }
    // The second subscription carries its own copies of a few items.
    if (s.imeis.size() > 1)
        for (std::uint16_t id : {10, 441, 946, 2954, 6828})
            item(t, nv_item_path(id, 1), t.find(nv_item_path(id, 0))->data);
}

// How much calibration a unit carries scales with its EFS partition: an efs2 of 8 MiB or more
// holds ~1,200 RF items (about 3 MB), a 1.5-2 MiB modemst1 (eMMC/UFS) a few hundred (~1 MB).
struct EfsBudget {
    std::uint32_t rf_items = 1200;
    int rfc_files = 12;
};

EfsBudget budget_of(const ModelSpec& model) {
    const PartitionSpec* p = efs_partition(model);
    std::uint64_t capacity = p ? p->num_sectors * model.sector_size : 8u << 20;
    if (capacity >= (8u << 20)) return {};
    return {static_cast<std::uint32_t>(capacity / 5000), 4};
}

void rf_calibration(EfsTree& t, Rng& rng, const EfsBudget& budget) {
    // Per-unit RF calibration items: sizes 64 B .. 4 KiB, a few larger tables.
    for (std::uint32_t n = 0; n < budget.rf_items; ++n) {
        std::uint32_t id = 20000 + n * 9 + rng.below(9);
        std::size_t size = (n % 97 == 0) ? 6000 + rng.below(9000) : 64 + rng.below(4000);
        item(t, fmt::format("/nv/item_files/rfnv/{:08d}", id), rng.bytes(size));
    }
    for (int i = 0; i < budget.rfc_files; ++i)
        t.put_file(fmt::format("/rfc/rfc_band_{:02d}.bin", i), rng.bytes(12000 + rng.below(20000)),
                   EfsNode::Type::file, true, kFactoryTime);
}

void provisioning(EfsTree& t, Rng& rng) {
    const char* dirs[] = {
        "modem/mmode",     "modem/lte/rrc/csp", "modem/nas",         "modem/uim/gstk",
        "modem/data/3gpp", "modem/geran",       "modem/tdscdma/rrc", "ims",
        "modem/wcdma/rrc", "modem/sms",         "modem/hdr/cp",      "modem/nr5g/rrc"};
    std::vector<std::string> all;
    for (const char* d : dirs)
        for (int i = 0; i < 12; ++i) {
            std::string p = fmt::format("/nv/item_files/{}/item_{:03d}", d, i);
            item(t, p, rng.bytes(1 + rng.below(300)));
            all.push_back(p);
        }
    std::string conf;
    for (const auto& p : all) conf += p + "\n";
    item(t, "/nv/item_files/conf/mmode.conf", as_bytes(conf));
    for (const char* name : {"carrier_policy.xml", "device_config.xml", "segment_loading.xml"}) {
        std::string xml = fmt::format(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<policy name=\"{}\" changelist=\"{}\">\n",
            name, rng.below(900000));
        for (int i = 0; i < 60; ++i)
            xml += fmt::format(
                "  <rat_capability base=\"none\"><include>{}</include></rat_capability>\n",
                rng.below(1 << 20));
        xml += "</policy>\n";
        t.put_file(fmt::format("/policyman/{}", name), as_bytes(xml), EfsNode::Type::file, true,
                   kFactoryTime);
    }
    for (int i = 0; i < 20; ++i)
        t.put_file(fmt::format("/data/sd/sd_{:02d}.bin", i), rng.bytes(200 + rng.below(2000)),
                   EfsNode::Type::file, true, kFactoryTime);
}

// eMMC/UFS: at the factory the modem's alternate copy (modemst2) and the golden copy (fsg)
// hold the same EFS image as modemst1, so every calibration partition carries real content.
void copy_efs_to_backups(VirtualModule& module) {
    const ModelSpec& m = module.model();
    const PartitionSpec* live = efs_partition(m);
    if (m.storage == StorageKind::nand || m.storage == StorageKind::none || !live) return;
    Bytes header = read_efs_bytes(module, 0, kEfsImageHeaderSize);
    Bytes image = read_efs_bytes(module, 0, efs_image_size(header));
    for (const char* name : {"modemst2", "fsg"}) {
        const PartitionSpec* p = find_partition(m, name);
        if (!p || image.size() > p->num_sectors * m.sector_size) continue;
        StorageImage& lun = module.storage(p->lun);
        lun.write_bytes(p->start_sector * m.sector_size, image);
        lun.sync();
    }
}

}  // namespace

EfsTree factory_efs_tree(const VirtualModule& module, const ModuleState& state) {
    Digest d(Digest::Algorithm::sha256);
    d.update(as_bytes("efs " + module.id()));
    Bytes seed = d.finish();
    std::uint64_t s = 0;
    for (int i = 0; i < 8; ++i) s = (s << 8) | seed[i];
    Rng rng(s);
    EfsTree t = EfsTree::skeleton();
    t.make_dir("/nv/item_files/rfnv", 0755, false, kFactoryTime);
    numbered_items(t, state, rng);
    rf_calibration(t, rng, budget_of(module.model()));
    provisioning(t, rng);
    return t;
}

void write_factory_efs(VirtualModule& module) {
    store_efs(module, factory_efs_tree(module, module.state()));
    copy_efs_to_backups(module);
    module.update([](ModuleState& s) { set_diag_runtime(s, DiagRuntime{}); });
}

}  // namespace cr::sim
