// Pure USB helpers: EDL interface signature, the serial hidden in iProduct, serial comparison.
#include <gtest/gtest.h>

#include "src/transport/usb_transport.hpp"
#include "src/transport/usb_util.hpp"

namespace cr {
namespace {

TEST(UsbRules, EdlInterfaceBySignature) {
    EXPECT_TRUE(is_edl_interface(0xff, 0xff, 0xff));
    EXPECT_TRUE(is_edl_interface(0xff, 0xff, 0x10));
    EXPECT_TRUE(is_edl_interface(0xff, 0xff, 0x11));
    EXPECT_FALSE(is_edl_interface(0xff, 0xff, 0x30));  // RM500Q DIAG
    EXPECT_FALSE(is_edl_interface(0xff, 0x00, 0x40));  // RM520N NMEA
    EXPECT_FALSE(is_edl_interface(0x02, 0x02, 0x01));  // CDC ACM
}

TEST(UsbRules, SerialFromIProduct) {
    EXPECT_EQ(serial_from_iproduct("QUSB__BULK_CID:0402_SN:1A2B3C4D"), "1A2B3C4D");
    EXPECT_EQ(serial_from_iproduct("QUSB__BULK_CID:0412_SN:e1a2b3c4 extra"), "e1a2b3c4");
    EXPECT_EQ(serial_from_iproduct("QUSB__BULK"), std::nullopt);
    EXPECT_EQ(serial_from_iproduct("QUSB__BULK_SN:"), std::nullopt);
    EXPECT_EQ(serial_from_iproduct(""), std::nullopt);
}

TEST(UsbRules, SerialComparisonIgnoresCaseAndPrefix) {
    EXPECT_TRUE(usb::same_serial("1A2B3C4D", "1a2b3c4d"));
    EXPECT_TRUE(usb::same_serial("0x0000beef", "BEEF"));
    EXPECT_FALSE(usb::same_serial("1A2B3C4D", "1A2B3C4E"));
    EXPECT_FALSE(usb::same_serial("", ""));
}

}  // namespace
}  // namespace cr
