// BHI (boot host interface) of Quectel's pcie_mhi driver as values (PROTOCOLS.md §3a): the
// GETDEVINFO structure, the WRITEIMAGE buffer, execution environments and the BHI status. Pure
// codecs over bytes: no ioctl here (src/transport/bhi_client does the syscalls).
//
// The WRITEIMAGE buffer starts with the host's native size_t, so the layout depends on the
// host's word size; HostLayout makes both selectable so a 32-bit host is tested on 64-bit.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "src/util/bytes.hpp"

namespace cr::mhi {

// ioctl request numbers (plain numbers in the driver, not _IOR/_IOW encoded).
inline constexpr unsigned long kIoctlGetDevInfo = 0x8BE0 + 1;
inline constexpr unsigned long kIoctlWriteImage = 0x8BE0 + 2;

// bhi_ee values.
enum class ExecEnv : std::uint32_t {
    pbl = 0,
    sbl = 1,
    amss = 2,
    rddm = 3,
    wfw = 4,
    pt = 5,
    edl = 6,
    fp = 7,
    uefi = 8,
};
// "PBL", "SBL", "AMSS (normal)", ..., "EE 17" for values the driver does not define.
std::string to_string(ExecEnv ee);
// What a module in `ee` is doing and what a user does about it (for errors).
std::string_view ee_meaning(ExecEnv ee);

// bhi_status (the MHI BHI status register).
enum class BhiStatus : std::uint32_t { reset = 0, success = 2, error = 3 };
std::string to_string(BhiStatus status);

// IOCTL_BHI_GETDEVINFO's structure: 74 little-endian u32 (296 bytes), fields in this order.
struct DeviceInfo {
    std::uint32_t ver_minor = 0, ver_major = 0;
    std::uint32_t image_address_low = 0, image_address_high = 0, image_size = 0;
    std::uint32_t rsvd1 = 0, imgtxdb = 0, rsvd2 = 0, msivec = 0, rsvd3 = 0;
    std::uint32_t ee = 0, status = 0, errorcode = 0;
    std::uint32_t errdbg1 = 0, errdbg2 = 0, errdbg3 = 0;
    std::uint32_t sernum = 0, sblantirollbackver = 0, numsegs = 0;
    std::array<std::uint32_t, 6> msmhwid{};
    std::array<std::uint32_t, 48> oempkhash{};
    std::uint32_t rsvd5 = 0;

    ExecEnv exec_env() const { return static_cast<ExecEnv>(ee); }
    BhiStatus bhi_status() const { return static_cast<BhiStatus>(status); }
    // MSM HW ID as Sahara reports its JTAG part (msmhwid[0]).
    std::uint32_t msm_hw_id() const { return msmhwid[0]; }
    // OEM PK hash, lowercase hex: one byte per element (48 = SHA-384); 32 bytes (SHA-256) when
    // the last 16 are zero; "" when all are zero.
    std::string pk_hash_hex() const;
    // The PBL refused the last image: status error or a non-zero error code.
    bool image_rejected() const;
};

inline constexpr std::size_t kDeviceInfoSize = 74 * 4;

// Throws DecodeError for a buffer shorter than kDeviceInfoSize (extra bytes are ignored: a
// newer driver may append fields).
DeviceInfo decode_device_info(ByteView buffer);
Bytes encode_device_info(const DeviceInfo& info);

// The host's size_t width for the WRITEIMAGE prefix.
enum class HostLayout { lp32, lp64 };
HostLayout native_layout();
std::size_t size_prefix_bytes(HostLayout layout);

// WRITEIMAGE buffer: size_t length (little endian, layout's width) then the image.
Bytes encode_write_image(ByteView image, HostLayout layout);
// The image a WRITEIMAGE buffer carries. Throws DecodeError when the buffer is shorter than the
// prefix, the prefix claims more bytes than follow, or the length is zero.
ByteView decode_write_image(ByteView buffer, HostLayout layout);
// Just the length field (what a driver reads first, before it copies the image).
std::uint64_t decode_write_image_length(ByteView prefix, HostLayout layout);

}  // namespace cr::mhi
