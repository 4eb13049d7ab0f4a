#include <gtest/gtest.h>

#include "protocols/mhi/bhi.hpp"
#include "src/util/error.hpp"

namespace cr::mhi {
namespace {

DeviceInfo sample() {
    DeviceInfo i;
    i.ver_major = 1;
    i.ee = 6;
    i.status = 0;
    i.sernum = 0x1a2b3c4d;
    i.msmhwid[0] = 0x001990e1;
    for (std::size_t k = 0; k < 48; ++k) i.oempkhash[k] = static_cast<std::uint32_t>(0x10 + k);
    i.rsvd5 = 0xdeadbeef;
    return i;
}

TEST(BhiCodec, DeviceInfoIsSeventyFourWordsInDriverOrder) {
    Bytes b = encode_device_info(sample());
    ASSERT_EQ(b.size(), 296u);
    ASSERT_EQ(kDeviceInfoSize, 296u);
    auto word = [&](std::size_t index) {
        return std::uint32_t(b[index * 4]) | std::uint32_t(b[index * 4 + 1]) << 8 |
               std::uint32_t(b[index * 4 + 2]) << 16 | std::uint32_t(b[index * 4 + 3]) << 24;
    };
    EXPECT_EQ(word(1), 1u);            // ver_major
    EXPECT_EQ(word(10), 6u);           // ee
    EXPECT_EQ(word(16), 0x1a2b3c4du);  // sernum
    EXPECT_EQ(word(19), 0x001990e1u);  // msmhwid[0]
    EXPECT_EQ(word(25), 0x10u);        // oempkhash[0]
    EXPECT_EQ(word(73), 0xdeadbeefu);  // rsvd5
}

TEST(BhiCodec, DeviceInfoRoundTrips) {
    DeviceInfo d = decode_device_info(encode_device_info(sample()));
    EXPECT_EQ(d.exec_env(), ExecEnv::edl);
    EXPECT_EQ(d.sernum, 0x1a2b3c4du);
    EXPECT_EQ(d.msm_hw_id(), 0x001990e1u);
    EXPECT_EQ(d.rsvd5, 0xdeadbeefu);
    EXPECT_EQ(d.pk_hash_hex().size(), 96u);
    EXPECT_EQ(d.pk_hash_hex().substr(0, 6), "101112");
}

TEST(BhiCodec, PkHashIsSha256WhenTheTailIsZero) {
    DeviceInfo i = sample();
    for (std::size_t k = 32; k < 48; ++k) i.oempkhash[k] = 0;
    EXPECT_EQ(i.pk_hash_hex().size(), 64u);
    i.oempkhash.fill(0);
    EXPECT_EQ(i.pk_hash_hex(), "");
}

TEST(BhiCodec, TruncatedDeviceInfoIsRejectedAndLongerIsAccepted) {
    Bytes b = encode_device_info(sample());
    for (std::size_t n : {0u, 4u, 295u})
        EXPECT_THROW(decode_device_info(ByteView(b).first(n)), DecodeError) << n;
    b.resize(400, 0xff);
    EXPECT_EQ(decode_device_info(b).sernum, 0x1a2b3c4du);
}

TEST(BhiCodec, RejectionIsStatusErrorOrErrorCode) {
    DeviceInfo i = sample();
    EXPECT_FALSE(i.image_rejected());
    i.status = 3;
    EXPECT_TRUE(i.image_rejected());
    i.status = 2;
    i.errorcode = 0x12;
    EXPECT_TRUE(i.image_rejected());
}

TEST(BhiCodec, ExecutionEnvironmentNames) {
    EXPECT_EQ(to_string(ExecEnv::edl), "EDL");
    EXPECT_EQ(to_string(ExecEnv::amss), "AMSS (normal)");
    EXPECT_EQ(to_string(ExecEnv::sbl), "SBL");
    EXPECT_EQ(to_string(static_cast<ExecEnv>(17)), "EE 17");
    EXPECT_EQ(to_string(BhiStatus::error), "image rejected");
}

TEST(BhiCodec, WriteImagePrefixIsTheHostSizeT) {
    Bytes image = {1, 2, 3, 4, 5};
    Bytes b64 = encode_write_image(image, HostLayout::lp64);
    Bytes b32 = encode_write_image(image, HostLayout::lp32);
    ASSERT_EQ(b64.size(), 13u);
    ASSERT_EQ(b32.size(), 9u);
    EXPECT_EQ(Bytes(b64.begin(), b64.begin() + 8), (Bytes{5, 0, 0, 0, 0, 0, 0, 0}));
    EXPECT_EQ(Bytes(b32.begin(), b32.begin() + 4), (Bytes{5, 0, 0, 0}));
    auto v64 = decode_write_image(b64, HostLayout::lp64);
    auto v32 = decode_write_image(b32, HostLayout::lp32);
    EXPECT_EQ(Bytes(v64.begin(), v64.end()), image);
    EXPECT_EQ(Bytes(v32.begin(), v32.end()), image);
    EXPECT_EQ(size_prefix_bytes(native_layout()), sizeof(std::size_t));
}

TEST(BhiCodec, AThirtyTwoBitBufferReadAsSixtyFourBitIsRejected) {
    // A driver built for the other word size reads the image bytes as part of the length.
    Bytes image(64, 0xab);
    Bytes b32 = encode_write_image(image, HostLayout::lp32);
    EXPECT_THROW(decode_write_image(b32, HostLayout::lp64), DecodeError);
}

TEST(BhiCodec, HostileWriteImageBuffers) {
    EXPECT_THROW(decode_write_image(Bytes{1, 0, 0}, HostLayout::lp32), DecodeError);
    EXPECT_THROW(decode_write_image(Bytes{0, 0, 0, 0, 9}, HostLayout::lp32), DecodeError);
    EXPECT_THROW(decode_write_image(Bytes{9, 0, 0, 0, 1, 2}, HostLayout::lp32), DecodeError);
    Bytes huge = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1};
    EXPECT_THROW(decode_write_image(huge, HostLayout::lp64), DecodeError);
}

}  // namespace
}  // namespace cr::mhi
