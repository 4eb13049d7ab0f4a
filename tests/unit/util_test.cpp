#include <gtest/gtest.h>

#include "nv/imei.hpp"
#include "src/device/device_spec.hpp"
#include "src/util/bytes.hpp"
#include "src/util/error.hpp"
#include "src/util/hex.hpp"

namespace cr {

TEST(ByteReader, ReadsLittleEndianAndRefusesTruncation) {
    Bytes b{0x01, 0x02, 0x03, 0x04, 0x05};
    ByteReader r(b, "test packet");
    EXPECT_EQ(r.u32(), 0x04030201u);
    EXPECT_THROW(r.u16(), DecodeError);
    EXPECT_EQ(r.u8(), 0x05);
}

TEST(Hex, RoundTripsAndRejectsOddDigits) {
    EXPECT_EQ(to_hex(from_hex("0A 1b:2C")), "0a1b2c");
    EXPECT_THROW(from_hex("abc"), DecodeError);
    EXPECT_THROW(from_hex("zz"), DecodeError);
}

TEST(Imei, LuhnAndNvEncodingFollowTheDocumentedExample) {
    EXPECT_EQ(nv::luhn_check_digit("49015420323751"), 8);
    EXPECT_TRUE(nv::is_valid_imei("490154203237518"));
    EXPECT_FALSE(nv::is_valid_imei("490154203237519"));
    EXPECT_EQ(to_hex(nv::encode_imei_nv("490154203237518")), "084a0951243032578" "1");
    EXPECT_EQ(nv::decode_imei_nv(from_hex("08 4A 09 51 24 30 32 57 81")), "490154203237518");
    EXPECT_EQ(nv::decode_imei_nv(Bytes(9, 0)), std::nullopt);
    EXPECT_THROW(nv::require_valid_imei("49015420323751"), UsageError);
    EXPECT_THROW(nv::encode_imei_nv("490154203237519"), UsageError);
}

TEST(DeviceSpec, ParsesEveryForm) {
    EXPECT_EQ(parse_device_spec("usb:1-1.2").kind, DeviceSpec::Kind::usb_path);
    EXPECT_EQ(parse_device_spec("3-2.4").value, "3-2.4");
    EXPECT_EQ(parse_device_spec("sn:0a1b").value, "0a1b");
    EXPECT_EQ(parse_device_spec("/dev/ttyUSB0").kind, DeviceSpec::Kind::path);
    auto s = parse_device_spec("sim:rm520n#2");
    EXPECT_EQ(s.kind, DeviceSpec::Kind::sim);
    EXPECT_EQ(s.value, "rm520n#2");
    EXPECT_THROW(parse_device_spec("ttyUSB0"), UsageError);
    EXPECT_THROW(parse_device_spec("sim:"), UsageError);
}

}  // namespace cr
