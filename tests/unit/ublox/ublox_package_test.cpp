#include <gtest/gtest.h>

#include "protocols/at/ublox_foat.hpp"
#include "sim/ublox/ublox_package.hpp"
#include "sim/ublox/ublox_state.hpp"
#include "src/workflows/foat/foat.hpp"

using namespace cr;
using namespace cr::sim::ublox;

TEST(UbloxPackage, ValidAndPaddedByXmodem) {
    Bytes p = make_package({"sara-r5", "02.08,A00.02", "*", 1000});
    auto v = validate_package(p, "sara-r5", "02.06,A00.01");
    EXPECT_EQ(v.code, 128);
    EXPECT_EQ(v.version, "02.08,A00.02");
    p.insert(p.end(), 100, 0x1A);
    EXPECT_EQ(validate_package(p, "sara-r5", "x").code, 128);
}

TEST(UbloxPackage, CorruptionCodes) {
    Bytes p = make_package({"sara-r5", "02.08,A00.02", "02.06,A00.01", 1000});
    Bytes payload_flip = p;
    payload_flip[p.size() - 100] ^= 1;
    EXPECT_EQ(validate_package(payload_flip, "sara-r5", "02.06,A00.01").code, 148);
    Bytes sig_flip = p;
    sig_flip[p.size() - 1] ^= 1;
    EXPECT_EQ(validate_package(sig_flip, "sara-r5", "02.06,A00.01").code, 173);
    EXPECT_EQ(validate_package(p, "lena-r8", "02.06,A00.01").code, 168);
    EXPECT_EQ(validate_package(p, "sara-r5", "02.04,A00.01").code, 168);
    Bytes cut(p.begin(), p.end() - 40);
    EXPECT_EQ(validate_package(cut, "sara-r5", "02.06,A00.01").code, 180);
    EXPECT_EQ(validate_package(as_bytes("garbage"), "sara-r5", "").code, 158);
    Bytes trailing = p;
    trailing.push_back(0);
    EXPECT_EQ(validate_package(trailing, "sara-r5", "02.06,A00.01").code, 180);
}

TEST(UbloxState, VersionStrings) {
    EXPECT_EQ(ati9("M0.00.00 [Oct 08 2020 15:00:01]"), "M0.00.00,A.02.19");
    EXPECT_EQ(cgmr("M0.00.00 [Oct 08 2020 15:00:01]"), "M0.00.00 [Oct 08 2020 15:00:01]");
    EXPECT_EQ(cgmr("02.06,A00.01"), "02.06");
    EXPECT_TRUE(engineering_firmware("M0.00.00,A.02.19"));
    EXPECT_FALSE(engineering_firmware("L0.0.00.00.05.12,A.02.19"));
}

TEST(UbloxFoat, ResultCodesAndLines) {
    using namespace cr::at::ublox;
    EXPECT_EQ(install_result_text(128), "success");
    EXPECT_EQ(install_result_text(148), "delta file corrupted");
    EXPECT_EQ(install_result_text(173), "signature mismatch");
    EXPECT_NE(install_result_text(999).find("999"), std::string::npos);
    auto l = parse_foat_line("+UFWUPD: 40");
    ASSERT_TRUE(l);
    EXPECT_EQ(l->kind, "UFWUPD");
    EXPECT_FALSE(l->final());
    EXPECT_TRUE(parse_foat_line("+UUFWINSTALL: 128")->final());
    EXPECT_EQ(parse_foat_line("+UFOTASTAT: 2,3,148")->value, 148);
    EXPECT_EQ(parse_foat_line("+UFOTASTAT: 2,2,100")->value, 128);
    EXPECT_FALSE(parse_foat_line("+UFOTASTAT: 0,1,50"));
    EXPECT_FALSE(parse_foat_line("+UFWUPD: ONGOING"));
    EXPECT_FALSE(parse_foat_line("+CFUN: 1"));
}

TEST(UbloxFoat, Refusals) {
    using cr::workflows::foat_refusal;
    EXPECT_NE(foat_refusal("M0.00.00,A.02.19", "M0.00.00 [Oct 08 2020 15:00:01]", "SARA-R412M")
                  .find("full flash"),
              std::string::npos);
    EXPECT_NE(
        foat_refusal("L0.0.00.00.05.08,A.02.04", "L0.0.00.00.05.08", "SARA-R412M").find("05.12"),
        std::string::npos);
    EXPECT_EQ(foat_refusal("L0.0.00.00.05.12,A.02.19", "L0.0.00.00.05.12", "SARA-R412M"), "");
    EXPECT_EQ(foat_refusal("02.06,A00.01", "02.06", "SARA-R510S"), "");
}
