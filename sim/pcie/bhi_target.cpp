#include "sim/pcie/bhi_target.hpp"

#include <spdlog/spdlog.h>

#include <cerrno>

#include "sim/edl/virtual_programmer.hpp"
#include "src/util/digest.hpp"
#include "src/util/hex.hpp"

namespace cr::sim {
namespace {

constexpr std::uint32_t kStatusSuccess = 2;
constexpr std::uint32_t kStatusError = 3;

const nlohmann::json& pcie_extra(const ModuleState& s) {
    static const nlohmann::json empty = nlohmann::json::object();
    auto it = s.extra.find("pcie");
    return it == s.extra.end() ? empty : *it;
}

mhi::ExecEnv ee_of(const ModuleState& s) {
    const auto& x = pcie_extra(s);
    if (x.contains("ee")) return static_cast<mhi::ExecEnv>(x["ee"].get<std::uint32_t>());
    switch (s.mode) {
        case Mode::normal:
            return mhi::ExecEnv::amss;
        case Mode::edl:
            return mhi::ExecEnv::edl;
        case Mode::crashdump:
            return mhi::ExecEnv::rddm;
    }
    return mhi::ExecEnv::pbl;
}

// The checks the USB boot ROM runs on a streamed image, on the whole image at once: 0 when it
// is this chip's signed programmer, else the Sahara-style status (the BHI error code).
std::uint32_t authenticate(ByteView image, const ProgrammerIdentity& target) {
    if (image.size() < kElfHeaderSize) return 0x14;
    std::uint64_t phoff = 0;
    std::uint32_t phnum = 0;
    if (auto st = check_elf_header(image.first(kElfHeaderSize), phoff, phnum)) return st;
    if (phoff + std::uint64_t(phnum) * kProgramHeaderSize > image.size()) return 0x0F;
    ProgrammerLayout layout;
    if (auto st = check_program_headers(image.subspan(phoff, phnum * kProgramHeaderSize), layout))
        return st;
    if (layout.sign_offset + kSignBlockSize > image.size() ||
        layout.payload_offset + layout.payload_size > image.size())
        return 0x23;
    Bytes digest;
    if (auto st = check_sign_block(image.subspan(layout.sign_offset, kSignBlockSize), target,
                                   layout, digest))
        return st;
    Digest d(Digest::Algorithm::sha256);
    d.update(image.subspan(layout.payload_offset, layout.payload_size));
    return d.finish() == digest ? 0 : 0x22;
}

}  // namespace

mhi::DeviceInfo BhiTarget::device_info() const {
    ModuleState s = module_->state();
    const auto& x = pcie_extra(s);
    mhi::DeviceInfo info;
    info.ver_major = 1;
    info.ee = static_cast<std::uint32_t>(ee_of(s));
    info.status = x.value("status", 0u);
    info.errorcode = x.value("errorcode", 0u);
    info.sernum = s.serial;
    info.msmhwid[0] = module_->model().msm_hw_id;
    Bytes key = from_hex(s.pk_hash_hex);
    for (std::size_t i = 0; i < key.size() && i < info.oempkhash.size(); ++i)
        info.oempkhash[i] = key[i];
    return info;
}

int BhiTarget::get_device_info(Bytes& out) {
    ModuleState s = module_->state();
    if (int e = pcie_extra(s).value("errno_getdevinfo", 0)) return e;
    out = mhi::encode_device_info(device_info());
    return 0;
}

int BhiTarget::write_image(const std::function<Bytes(std::size_t)>& read_caller) {
    ModuleState s = module_->state();
    if (int e = pcie_extra(s).value("errno_writeimage", 0)) return e;
    if (ee_of(s) != mhi::ExecEnv::edl) return EINVAL;  // the driver checks bhi_ee first
    std::size_t head = mhi::size_prefix_bytes(layout_);
    std::uint64_t length = mhi::decode_write_image_length(read_caller(head), layout_);
    if (length == 0 || length > kMaxImage) return EINVAL;  // before copying the image
    Bytes buffer = read_caller(head + static_cast<std::size_t>(length));
    ByteView image = mhi::decode_write_image(buffer, layout_);
    ProgrammerIdentity me{module_->model().msm_hw_id, s.pk_hash_hex, module_->model().id};
    std::uint32_t verdict = authenticate(image, me);
    std::string sha = sha256_hex(image);
    module_->update([&](ModuleState& st) {
        auto& p = st.extra["pcie"];
        p["status"] = verdict == 0 ? kStatusSuccess : kStatusError;
        p["errorcode"] = verdict;
        p["last_image_size"] = image.size();
        p["last_image_sha256"] = sha;
        if (verdict == 0) {
            st.firehose_running = true;
            p["uploads"] = p.value("uploads", 0) + 1;
        }
    });
    spdlog::debug("virtual {} BHI: image of {} bytes {}", module_->id(), image.size(),
                  verdict == 0 ? "accepted" : "rejected");
    return verdict == 0 ? 0 : EIO;
}

bool BhiTarget::edl_node_present(const VirtualModule& module) {
    ModuleState s = module.state();
    return s.mode == Mode::edl && s.firehose_running &&
           !pcie_extra(s).value("edl_never_appears", false);
}

}  // namespace cr::sim
