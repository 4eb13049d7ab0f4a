#include <gtest/gtest.h>

#include "src/package/rawprogram.hpp"
#include "src/util/error.hpp"

using namespace cr;
using namespace cr::package;

TEST(EvalSector, NumbersAndExpressions) {
    EXPECT_EQ(eval_sector("1280", std::nullopt), 1280u);
    EXPECT_EQ(eval_sector("1280.", std::nullopt), 1280u);
    EXPECT_EQ(eval_sector("0x500", std::nullopt), 0x500u);
    EXPECT_EQ(eval_sector("NUM_DISK_SECTORS-33.", 1000), 967u);
    EXPECT_EQ(eval_sector(" NUM_DISK_SECTORS - 5 + 2 ", 100), 97u);
    EXPECT_EQ(eval_sector("NUM_DISK_SECTORS-33.", std::nullopt), std::nullopt);
    EXPECT_THROW(eval_sector("NUM_DISK_SECTORS-33.", 10), DecodeError);  // below zero
    for (const char* bad :
         {"", "abc", "12-", "-5", "NUM_DISK", "99999999999999999999999", "5+-3", "0xg"})
        EXPECT_THROW(eval_sector(bad, 100), DecodeError) << bad;
}

TEST(Rawprogram, ParsesQuectelNandEntries) {
    const char* xml = R"(<?xml version="1.0" ?>
<data>
  <!-- comment -->
  <erase PAGES_PER_BLOCK="64" SECTOR_SIZE_IN_BYTES="4096" num_partition_sectors="640" physical_partition_number="0" start_sector="0" label="sbl"/>
  <program PAGES_PER_BLOCK="64" SECTOR_SIZE_IN_BYTES="4096" filename="..\sbl1.mbn" label="sbl" last_sector="639" num_partition_sectors="640" physical_partition_number="0" start_sector="0" size_in_KB="2560.0" readbackverify="false" frobnicate="yes"/>
  <program SECTOR_SIZE_IN_BYTES="512" filename="gpt_backup0.bin" num_partition_sectors="33" start_sector="NUM_DISK_SECTORS-33." file_sector_offset="0" sparse="false" label="BackupGPT"/>
  <program SECTOR_SIZE_IN_BYTES="4096" filename="" label="empty" num_partition_sectors="0" start_sector="10"/>
  <unknown_tag foo="1"/>
</data>)";
    auto ops = parse_rawprogram(xml, "rawprogram_nand.xml");
    ASSERT_EQ(ops.size(), 4u);
    EXPECT_EQ(ops[0].kind, OpKind::erase);
    EXPECT_EQ(ops[0].pages_per_block, 64u);
    EXPECT_EQ(ops[1].kind, OpKind::program);
    EXPECT_EQ(ops[1].filename, "..\\sbl1.mbn");
    EXPECT_EQ(ops[1].last_sector, "639");
    EXPECT_EQ(ops[1].num_sectors, 640u);
    EXPECT_EQ(ops[1].origin, "rawprogram_nand.xml:5");
    EXPECT_EQ(ops[2].start_sector, "NUM_DISK_SECTORS-33.");
    EXPECT_EQ(ops[2].sector_size, 512u);
    EXPECT_FALSE(ops[2].sparse);
    EXPECT_EQ(ops[2].physical_partition, 0u);
    EXPECT_TRUE(ops[3].filename.empty());
}

TEST(Rawprogram, RejectsMalformedInput) {
    auto expect_bad = [](const std::string& xml, const std::string& needle) {
        try {
            parse_rawprogram(xml, "rp.xml");
            ADD_FAILURE() << "accepted: " << xml;
        } catch (const DecodeError& e) {
            EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
        }
    };
    expect_bad("<data><program SECTOR_SIZE_IN_BYTES=\"4096\"", "malformed XML");
    expect_bad("<nodata/>", "no <data>");
    expect_bad("<data><program SECTOR_SIZE_IN_BYTES=\"4096\" num_partition_sectors=\"1\"/></data>",
               "start_sector");
    expect_bad("<data><program SECTOR_SIZE_IN_BYTES=\"4096\" start_sector=\"0\"/></data>",
               "num_partition_sectors");
    expect_bad(
        "<data><program SECTOR_SIZE_IN_BYTES=\"4k\" start_sector=\"0\" "
        "num_partition_sectors=\"1\"/></data>",
        "not a number");
    expect_bad(
        "<data><program SECTOR_SIZE_IN_BYTES=\"3000\" start_sector=\"0\" "
        "num_partition_sectors=\"1\"/></data>",
        "power of two");
    expect_bad(
        "<data><erase SECTOR_SIZE_IN_BYTES=\"4096\" start_sector=\"x+1\" "
        "num_partition_sectors=\"1\"/></data>",
        "sector expression");
    expect_bad(
        "<data><program SECTOR_SIZE_IN_BYTES=\"4096\" start_sector=\"0\" "
        "num_partition_sectors=\"1\" physical_partition_number=\"99999999999\"/></data>",
        "out of range");
}

TEST(Patch, KeepsAllEntriesWithTheirFields) {
    const char* xml = R"X(<patches>
  <patch SECTOR_SIZE_IN_BYTES="4096" byte_offset="16" filename="DISK" physical_partition_number="0" size_in_bytes="4" start_sector="1" value="CRC32(2,4096)" what="Update CRC"/>
  <patch SECTOR_SIZE_IN_BYTES="4096" byte_offset="16" filename="gpt_main0.bin" physical_partition_number="0" size_in_bytes="4" start_sector="1" value="0"/>
</patches>)X";
    auto ops = parse_patch(xml, "patch0.xml");
    ASSERT_EQ(ops.size(), 2u);
    EXPECT_EQ(ops[0].kind, OpKind::patch);
    EXPECT_EQ(ops[0].filename, "DISK");
    EXPECT_EQ(ops[0].value, "CRC32(2,4096)");
    EXPECT_EQ(ops[0].size_in_bytes, 4u);
    EXPECT_EQ(ops[1].filename, "gpt_main0.bin");
    EXPECT_THROW(parse_patch("<patches><patch SECTOR_SIZE_IN_BYTES=\"4096\" start_sector=\"1\"/>"
                             "</patches>",
                             "p.xml"),
                 DecodeError);
}
