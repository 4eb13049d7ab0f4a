#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>

#include "nv/imei.hpp"
#include "sim/core/provisioning.hpp"
#include "sim/diag/efs_store.hpp"
#include "src/util/error.hpp"
#include "tests/integration/diag/diag_fixture.hpp"

namespace cr::testing {
namespace {

using namespace cr::diag;

class DiagTarget : public ::testing::TestWithParam<DiagLinkKind> {
  protected:
    void SetUp() override { module = sim::VirtualModule::open(sims.path(), "rm520n"); }
    TempSimDir sims;
    std::shared_ptr<sim::VirtualModule> module;
};

TEST_P(DiagTarget, IdentityRepliesDecodeAndUnsolicitedFramesAreSkipped) {
    DiagSession s(*module, GetParam());
    auto ext = s.diag().ext_build_id();
    EXPECT_EQ(ext.msm_hw_version, module->model().msm_hw_id);
    EXPECT_EQ(ext.build_id, module->state().firmware);
    EXPECT_EQ(s.diag().esn(), module->state().serial);
    for (int i = 0; i < 10; ++i) EXPECT_EQ(s.diag().version().ver_dir.size(), 8u);
    EXPECT_FALSE(s.diag().feature_query().empty());
    EXPECT_EQ(s.diag().stats().unsolicited, 0u);  // no mask set: a quiet port
    s.diag().request(Bytes{0x60, 0x01}, "EVENT_REPORT on");
    for (int i = 0; i < 10; ++i) EXPECT_EQ(s.diag().version().ver_dir.size(), 8u);
    EXPECT_GT(s.diag().stats().unsolicited, 0u);
    EXPECT_THROW(s.diag().request(Bytes{0x3A}, "unknown"), DiagCommandError);
}

TEST_P(DiagTarget, NvItemsPerSubscriptionReadWriteAndNotActive) {
    DiagSession s(*module, GetParam());
    NvClient nv(s.diag());
    auto imeis = module->state().imeis;
    ASSERT_EQ(imeis.size(), 2u);
    auto r0 = nv.read(550, 0);
    ASSERT_TRUE(r0.ok()) << r0.describe();
    EXPECT_EQ(nv::decode_imei_nv(r0.data), imeis[0]);
    auto r1 = nv.read(550, 1);
    ASSERT_TRUE(r1.ok()) << r1.describe();
    EXPECT_EQ(nv::decode_imei_nv(r1.data), imeis[1]);
    auto ftm = nv.read(453);
    ASSERT_TRUE(ftm.ok());
    EXPECT_EQ(ftm.data[0], 0);
    EXPECT_TRUE(nv.read(6000).not_active());
    EXPECT_TRUE(nv.read(550, 2).not_active());
    EXPECT_TRUE(nv.read(71).ok());                // NV_BANNER is readable on real modules
    EXPECT_EQ(nv.read(74).diag_error, kBadParm);  // write-only over NV_READ

    Bytes value{0x11, 0x22, 0x33};
    ASSERT_TRUE(nv.write(6000, value, 1).ok());
    auto back = nv.read(6000, 1);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(Bytes(back.data.begin(), back.data.begin() + 3), value);
    EXPECT_TRUE(nv.read(6000, 0).not_active());  // other subscription untouched
}

TEST_P(DiagTarget, SpcGatesProtectedItemsAndCountsWrongAttempts) {
    DiagSession s(*module, GetParam());
    NvClient nv(s.diag());
    EXPECT_EQ(nv.read(85).diag_error, kBadSpcMode);
    try {
        s.diag().send_spc("123456");
        FAIL() << "wrong SPC accepted";
    } catch (const ProtocolError& e) {
        EXPECT_NE(std::string(e.what()).find("NOT retried"), std::string::npos);
    }
    EXPECT_EQ(sim::diag_runtime(module->state()).spc_failures, 1);
    EXPECT_THROW(s.diag().send_spc("12"), UsageError);
    s.diag().send_spc("000000");
    auto spc = nv.read(85);
    ASSERT_TRUE(spc.ok());
    EXPECT_EQ(std::string(spc.data.begin(), spc.data.begin() + 6), "000000");
}

TEST_P(DiagTarget, SpcLocksOutAfterThreeWrongCodesUntilReset) {
    {
        DiagSession s(*module, GetParam());
        for (int i = 0; i < 3; ++i) EXPECT_THROW(s.diag().send_spc("111111"), ProtocolError);
        EXPECT_THROW(s.diag().send_spc("000000"), ProtocolError);  // locked out
        s.diag().control(ControlMode::reset);                      // a reboot ends the lockout
    }
    DiagSession s(*module, GetParam());
    s.diag().send_spc("000000");
}

TEST_P(DiagTarget, EfsWalkIsCompleteAndWithinTheRoundTripBudget) {
    DiagSession s(*module, GetParam());
    Efs2Client efs(s.diag());
    auto start = s.diag().stats().round_trips;
    std::size_t files = 0, dirs = 0;
    std::uint64_t bytes = 0;
    auto factory = sim::factory_efs_tree(*module, module->state());
    efs.walk("/", [&](const EfsWalkEntry& w) {
        if (w.entry.is_dir()) {
            ++dirs;
            return true;
        }
        Bytes data = efs.read_file(w.path, static_cast<std::uint32_t>(w.entry.size));
        const sim::EfsNode* want = factory.find(w.path);
        EXPECT_TRUE(want && want->data == data) << w.path;
        ++files;
        bytes += data.size();
        return true;
    });
    auto trips = s.diag().stats().round_trips - start;
    std::printf("EFS walk: %zu files, %zu dirs, %llu bytes, %llu round trips (budget %llu)\n",
                files, dirs, static_cast<unsigned long long>(bytes),
                static_cast<unsigned long long>(trips),
                static_cast<unsigned long long>((files + dirs) * 3 + bytes / 1024));
    EXPECT_EQ(files, factory.file_count());
    EXPECT_GT(files, 1400u);
    EXPECT_GT(bytes, 2500000u);
    EXPECT_LE(trips, (files + dirs) * 3 + bytes / 1024) << files << " files " << bytes << " bytes";
    auto rfnv = efs.list("/nv/item_files/rfnv");
    EXPECT_GT(rfnv.size(), 1000u);
    EXPECT_TRUE(rfnv[0].is_item());
}

TEST_P(DiagTarget, PipelinedReadsGiveEveryFileWithTheSameRequestsAsOneAtATime) {
    DiagSession s(*module, GetParam());
    Efs2Client efs(s.diag());
    ASSERT_EQ(s.diag().pipeline(), kDefaultPipeline);
    ASSERT_GT(kDefaultPipeline, 1u);
    std::vector<EfsFileToRead> files;
    efs.walk("/", [&](const EfsWalkEntry& w) {
        if (!w.entry.is_dir()) files.push_back({w.path, static_cast<std::uint32_t>(w.entry.size)});
        return true;
    });
    // A file that went away between listing and reading, amid small and large ones.
    files.insert(files.begin() + 7, EfsFileToRead{"/nv/item_files/gone", 10});
    auto start = s.diag().stats().round_trips;
    std::size_t progress = 0;
    auto got = efs.read_files(files, [&](std::size_t n) { progress = n; });
    auto pipelined = s.diag().stats().round_trips - start;
    EXPECT_EQ(progress, files.size());

    auto factory = sim::factory_efs_tree(*module, module->state());
    std::size_t large = 0;
    for (std::size_t i = 0; i < files.size(); ++i) {
        const sim::EfsNode* want = factory.find(files[i].path);
        if (!want) {
            EXPECT_EQ(got[i].err, efs::kEnoent) << files[i].path;
            continue;
        }
        EXPECT_EQ(got[i].err, 0) << files[i].path;
        EXPECT_TRUE(got[i].data == want->data) << files[i].path;
        large += files[i].size_hint > efs::kMaxGet;
    }
    EXPECT_GT(large, 10u);  // OPEN + READs in flight + CLOSE was exercised

    start = s.diag().stats().round_trips;
    for (const auto& f : files) {
        try {
            efs.read_file(f.path, f.size_hint);
        } catch (const EfsError& e) {
            EXPECT_EQ(e.err(), efs::kEnoent);
        }
    }
    EXPECT_EQ(pipelined, s.diag().stats().round_trips - start);
}

TEST_P(DiagTarget, FileOperationsGetPutStatMkdirUnlink) {
    DiagSession s(*module, GetParam());
    Efs2Client efs(s.diag());
    EXPECT_EQ(efs.subsystem(), efs::kSubsysPrimary);
    EXPECT_GT(efs.query().max_path, 0);
    efs.put("/test/item", Bytes{1, 2, 3});
    EXPECT_EQ(efs.get("/test/item"), (Bytes{1, 2, 3}));
    EXPECT_TRUE(efs.stat("/test/item").is_item());
    Bytes big(5000);
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::uint8_t>(i * 7);
    efs.write_file("/test/big.bin", big);
    EXPECT_EQ(efs.read_file("/test/big.bin"), big);
    EXPECT_EQ(efs.read_file("/test/big.bin", 5000), big);
    EXPECT_EQ(efs.stat("/test/big.bin").size, 5000);
    // Writes stamp the module's clock (factory files keep their 2022 time).
    const auto now = static_cast<std::int32_t>(std::time(nullptr));
    for (const char* written : {"/test/item", "/test/big.bin"})
        EXPECT_NEAR(efs.stat(written).mtime, now, 60) << written;
    efs.mkdir("/test/sub");
    try {
        efs.mkdir("/test/sub");
        FAIL();
    } catch (const EfsError& e) {
        EXPECT_EQ(e.err(), efs::kEexist);
    }
    try {
        efs.rmdir("/test");
        FAIL();
    } catch (const EfsError& e) {
        EXPECT_EQ(e.err(), efs::kEnotempty);
    }
    efs.rmdir("/test/sub");
    efs.unlink("/test/item");
    EXPECT_FALSE(efs.try_stat("/test/item"));
    try {
        efs.get("/nope");
        FAIL();
    } catch (const EfsError& e) {
        EXPECT_EQ(e.err(), efs::kEnoent);
    }
    efs.sync();
    s.close();
    DiagSession again(*module, GetParam());  // persisted in the efs2 partition
    Efs2Client efs2(again.diag());
    EXPECT_EQ(efs2.read_file("/test/big.bin"), big);
}

TEST_P(DiagTarget, LongUnsyncedWritesHitEnospcAndSyncingAvoidsIt) {
    DiagSession s(*module, GetParam());
    Efs2Client efs(s.diag());
    Bytes chunk(4000, 0xAB);
    bool enospc = false;
    for (int i = 0; i < 800 && !enospc; ++i) {
        try {
            efs.put("/bulk/f" + std::to_string(i), chunk);
        } catch (const EfsError& e) {
            EXPECT_EQ(e.err(), efs::kEnospc);
            enospc = true;
        }
    }
    EXPECT_TRUE(enospc);
    efs.sync();
    for (int i = 0; i < 600; ++i) {  // 2.4 MB: more than the unsynced limit in total
        efs.put("/bulk/g" + std::to_string(i), chunk);
        if (i % 200 == 199) efs.sync();
    }
}

// A WRITE refused mid-file still closes the file: 20 refused files (more than the module's 16
// open handles) leave every handle free, or the next open would fail with EMFILE.
TEST_P(DiagTarget, AFailedWriteStillClosesTheFile) {
    DiagSession s(*module, GetParam());
    Efs2Client efs(s.diag());
    efs.write_file("/bulk/fill", Bytes(2u << 20, 0x11));  // the whole unsynced allowance
    for (int i = 0; i < 20; ++i) {
        try {
            efs.write_file("/bulk/more" + std::to_string(i), Bytes(3000, 0x22));
            FAIL() << "write " << i << " was not refused";
        } catch (const EfsError& e) {
            EXPECT_EQ(e.err(), efs::kEnospc);
        }
    }
    efs.sync();
    efs.write_file("/bulk/after", Bytes(3000, 0x33));
    EXPECT_EQ(efs.read_file("/bulk/after"), Bytes(3000, 0x33));
}

TEST_P(DiagTarget, RestoreWithoutResetLeavesCfun7UntilReset) {
    EXPECT_EQ(sim::derived_cfun(*module), 1);
    {
        DiagSession s(*module, GetParam());
        EXPECT_TRUE(s.diag().control(ControlMode::offline_digital));
        EXPECT_EQ(sim::derived_cfun(*module), 7);
        NvClient nv(s.diag());
        ASSERT_TRUE(nv.write(5153, Bytes{2}).ok());
        EXPECT_THROW(s.diag().control(ControlMode::online), DiagCommandError);
        Efs2Client(s.diag()).sync();
    }
    EXPECT_TRUE(sim::diag_runtime(module->state()).pending_reset);
    EXPECT_EQ(sim::derived_cfun(*module), 7);
    {
        DiagSession s(*module, GetParam());
        s.diag().control(ControlMode::reset);
        // The port closes after the echo: the next request sees the device gone.
        EXPECT_THROW(s.diag().version(), DeviceGoneError);
    }
    EXPECT_EQ(module->state().mode, sim::Mode::normal);
    EXPECT_EQ(sim::derived_cfun(*module), 1);
}

TEST_P(DiagTarget, NvWritesAfterCfun5RebuildTheNumberedItemFilesByteForByte) {
    auto factory = sim::factory_efs_tree(*module, module->state());
    std::vector<std::pair<std::string, std::uint16_t>> items;  // path, sub
    for (const auto& [path, node] : factory.nodes()) {
        if (path.rfind("/nvm/num/", 0) == 0) items.push_back({path, 0});
        if (path.rfind("/nvm/context1/", 0) == 0) items.push_back({path, 1});
    }
    std::vector<std::pair<std::uint16_t, Bytes>> values;
    std::vector<std::pair<std::string, std::uint16_t>> readable;
    {
        DiagSession s(*module, GetParam());
        s.diag().send_spc("000000");  // NV 85 is protected
        NvClient nv(s.diag());
        for (const auto& [path, sub] : items) {
            auto id = static_cast<std::uint16_t>(std::stoi(path.substr(path.rfind('/') + 1)));
            auto r = nv.read(id, sub);
            if (r.diag_error == kBadParm) continue;  // write-only over NV_READ (71, 74)
            ASSERT_TRUE(r.ok()) << path << " " << r.describe();
            values.push_back({id, r.data});
            readable.push_back({path, sub});
        }
    }
    items = readable;
    ASSERT_GT(items.size(), 100u);
    sim::apply_state(*module, "cfun5", {});
    {
        DiagSession s(*module, GetParam());
        s.diag().send_spc("000000");
        NvClient nv(s.diag());
        for (std::size_t i = 0; i < items.size(); ++i)
            ASSERT_TRUE(nv.write(values[i].first, values[i].second, items[i].second).ok());
        Efs2Client(s.diag()).sync();
        s.diag().control(ControlMode::reset);
    }
    auto rebuilt = sim::load_efs(*module);
    for (const auto& [path, sub] : items) {
        const sim::EfsNode* n = rebuilt.find(path);
        ASSERT_TRUE(n) << path;
        EXPECT_EQ(n->data, factory.find(path)->data) << path;
    }
}

TEST_P(DiagTarget, EdlSwitchRepliesThenTheModuleIsInEdl) {
    DiagSession s(*module, GetParam());
    s.diag().switch_to_edl();
    EXPECT_EQ(module->state().mode, sim::Mode::edl);
}

TEST_P(DiagTarget, WipedEfs2IsTheSkeletonAndARawRestoreBringsItBack) {
    const auto* efs2 = sim::find_partition(module->model(), "efs2");
    ASSERT_TRUE(efs2);
    Bytes raw(efs2->num_sectors * module->model().sector_size);
    module->storage().read(efs2->start_sector, raw);
    sim::apply_state(*module, "cfun5", {});
    EXPECT_EQ(sim::derived_cfun(*module), 5);
    EXPECT_FALSE(sim::efs_health(*module).formatted);
    {
        DiagSession s(*module, GetParam());
        NvClient nv(s.diag());
        EXPECT_TRUE(nv.read(550).not_active());
        EXPECT_TRUE(nv.read(453).not_active());
        Efs2Client efs(s.diag());
        EXPECT_FALSE(efs.try_stat("/nv/item_files/rfnv"));
        EXPECT_TRUE(efs.list("/nvm/num").empty());
    }
    module->storage().write(efs2->start_sector, raw);  // a raw efs2 backup written back
    EXPECT_EQ(sim::derived_cfun(*module), 1);
    DiagSession s(*module, GetParam());
    EXPECT_TRUE(NvClient(s.diag()).read(550).ok());
}

INSTANTIATE_TEST_SUITE_P(Links, DiagTarget,
                         ::testing::Values(DiagLinkKind::socketpair, DiagLinkKind::pty_by_id),
                         link_name);

TEST(DiagTargetUblox, EfsIsOnTheAlternateSubsystemAndTheClientProbesIt) {
    TempSimDir sims;
    auto m = sim::VirtualModule::open(sims.path(), "sara-r412m");
    DiagSession s(*m);
    Efs2Client efs(s.diag());
    efs.put("/x", Bytes{9});
    EXPECT_EQ(efs.subsystem(), efs::kSubsysAlternate);
    EXPECT_EQ(efs.get("/x"), Bytes{9});
}

}  // namespace
}  // namespace cr::testing
