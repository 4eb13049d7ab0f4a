// Storage checks once the device is known: `flash --dry-run -d DEV` asks the device (read-only)
// and refuses a package its storage cannot hold; a real flash refuses it before any backup.
#include "src/archive/backup_store.hpp"
#include "src/util/error.hpp"
#include "tests/integration/flash/flash_fixture.hpp"
#include "tests/unit/package/test_util.hpp"

using namespace cr;
using namespace cr::workflows;
using crtest::FlashFixture;
namespace fs = std::filesystem;

namespace {

// The EC25 update package rewritten for 512-byte sectors (what an eMMC build addresses).
void make_512(const fs::path& pkg) {
    fs::remove(pkg / "md5.txt");
    fs::path xml = pkg / "update" / "firehose" / "rawprogram_nand_p4K_b256K_update.xml";
    std::string s = crtest::slurp(xml);
    for (std::size_t at; (at = s.find("SECTOR_SIZE_IN_BYTES=\"4096\"")) != std::string::npos;)
        s.replace(at, 27, "SECTOR_SIZE_IN_BYTES=\"512\"");
    crtest::spit(xml, s);
}

}  // namespace

TEST_F(FlashFixture, DryRunWithTheDeviceChecksTheStorageAndRefusesAnUnfitPackage) {
    auto m = module("ec25");
    auto dev = device("ec25");
    auto pkg = make_package("ec25", false, pkg_dir);
    auto o = options(pkg);
    o.dry_run = true;
    FlashReport ok = plan_flash_on_device(*dev, o);
    EXPECT_TRUE(ok.dry_run);
    EXPECT_EQ(ok.plan.storage, "nand");
    bool said = false;
    for (const auto& n : ok.notes) said |= n.find("device storage: nand, 4096-byte sectors") == 0;
    EXPECT_TRUE(said);

    Bytes sbl = raw_partition(*m, "sbl"), efs = raw_partition(*m, "efs2");
    make_512(pkg);
    try {
        plan_flash_on_device(*dev, o);
        FAIL() << "a 512-byte-sector package was accepted for a 4096-byte NAND";
    } catch (const UsageError& e) {
        std::string w = e.what();
        EXPECT_NE(w.find("rawprogram_nand_p4K_b256K_update.xml:"), std::string::npos) << w;
        EXPECT_NE(w.find("SECTOR_SIZE_IN_BYTES=512"), std::string::npos) << w;
        EXPECT_NE(w.find("4096-byte sectors"), std::string::npos) << w;
    }
    // The real flash refuses it too, before the calibration backup and before any write.
    o.dry_run = false;
    EXPECT_THROW(flash_package(*dev, o), UsageError);
    EXPECT_EQ(count_bundles(store), 0u);
    EXPECT_TRUE(raw_partition(*m, "sbl") == sbl);
    EXPECT_TRUE(raw_partition(*m, "efs2") == efs);
}

TEST_F(FlashFixture, DryRunWithADeviceOutsideEdlSaysTheStorageWasNotCheckedAndTouchesNothing) {
    auto m = cr::sim::VirtualModule::open(sim_dir, "ec25");
    cr::sim::apply_state(*m, "normal", {});
    auto dev = device("ec25");
    auto o = options(make_package("ec25", false, pkg_dir));
    o.dry_run = true;
    FlashReport r = plan_flash_on_device(*dev, o);
    bool said = false;
    for (const auto& n : r.notes) said |= n.find("storage NOT checked") == 0;
    EXPECT_TRUE(said);
    EXPECT_EQ(dev->mode(), DeviceMode::normal);
}
