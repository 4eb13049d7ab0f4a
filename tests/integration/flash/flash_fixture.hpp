// A virtual module in EDL under a private sim dir, a backup store, and read-back helpers.
#pragma once
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "sim/core/provisioning.hpp"
#include "sim/core/virtual_module.hpp"
#include "src/device/device.hpp"
#include "src/package/flash_plan.hpp"
#include "src/package/sim_firmware.hpp"
#include "src/util/digest.hpp"
#include "src/workflows/session/edl_session.hpp"
#include "src/workflows/flash/flash_edl.hpp"

namespace crtest {

namespace fs = std::filesystem;

class FlashFixture : public ::testing::Test {
  protected:
    fs::path root, sim_dir, store, pkg_dir;
    std::error_code ec_;

    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "cr-flash-XXXXXX").string();
        root = ::mkdtemp(tmpl.data());
        sim_dir = root / "sim";
        store = root / "backups";
        pkg_dir = root / "pkg";
    }
    void TearDown() override { fs::remove_all(root); }

    std::shared_ptr<cr::sim::VirtualModule> module(const std::string& id) {
        auto m = cr::sim::VirtualModule::open(sim_dir, id);
        cr::sim::apply_state(*m, "edl", {});
        return m;
    }
    std::unique_ptr<cr::Device> device(const std::string& id) {
        return cr::open_device(cr::parse_device_spec("sim:" + id), {sim_dir});
    }
    fs::path make_package(const std::string& model, bool factory, const fs::path& out) {
        cr::package::SimFirmwareOptions o;
        o.with_factory = factory;
        o.image_bytes = 40000;
        cr::package::make_sim_firmware(cr::sim::require_model(model), out, o);
        return out;
    }
    cr::workflows::FlashOptions options(const fs::path& pkg) {
        cr::workflows::FlashOptions o;
        o.package = pkg;
        o.backup_dir = store;
        o.programmer_dir = root / "programmers";
        o.reset = false;  // stay in EDL so the test can read back
        return o;
    }
    // The package's programmer is needed while the module still waits in Sahara.
    std::unique_ptr<cr::EdlSession> session(cr::Device& dev) {
        cr::EdlOptions edl;
        for (const auto& f : fs::directory_iterator(pkg_dir / "update" / "firehose", ec_))
            if (f.path().filename().string().rfind("prog", 0) == 0) edl.programmer = f.path();
        edl.programmer_dir = root / "programmers";
        return cr::EdlSession::open(dev, edl);
    }
    static cr::Bytes read_region(cr::EdlSession& s, const cr::package::Region& r) {
        cr::Bytes out;
        s.firehose().read(cr::workflows::to_firehose_region(r),
                          [&](cr::ByteView d) { out.insert(out.end(), d.begin(), d.end()); });
        return out;
    }
    static cr::package::Region partition_region(cr::EdlSession& s, const std::string& name) {
        const auto& p = s.partition(name);
        return {p.name, p.lun, s.sector_size(), p.start_sector, p.num_sectors, s.pages_per_block()};
    }
    // Straight from the virtual flash (efs2 lies outside the NAND bad-block partitions).
    static cr::Bytes raw_partition(cr::sim::VirtualModule& m, const std::string& name) {
        const auto* p = cr::sim::find_partition(m.model(), name);
        cr::Bytes out(p->num_sectors * m.model().sector_size);
        m.storage().read(p->start_sector, out);
        return out;
    }
    static cr::Bytes file_bytes(const fs::path& f) {
        std::ifstream in(f, std::ios::binary);
        return cr::Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    static std::size_t count_bundles(const fs::path& dir) {
        std::size_t n = 0;
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(dir, ec)) n += e.path().extension() == ".crb";
        return n;
    }
    static std::string image_digest(const fs::path& sim_dir) {
        std::string all;
        for (const auto& e : fs::recursive_directory_iterator(sim_dir))
            if (e.is_regular_file() && e.path().extension() == ".img")
                all += cr::file_digest_hex(e.path(), cr::Digest::Algorithm::sha256);
        return all;
    }
    // Every program step of the plan: its sectors on the device hold the image, zero-padded.
    // A zip's extraction is gone with its Package: pass the package opened again to find the
    // images by name.
    void expect_package_bytes(cr::EdlSession& s, const cr::package::FlashPlan& plan,
                              const cr::package::Package* reopened = nullptr) {
        int checked = 0;
        for (const auto& step : plan.steps) {
            if (step.kind != cr::package::StepKind::program) continue;
            fs::path file = *step.file;
            if (reopened)
                for (const auto& op : reopened->operations())
                    if (op.file && op.file->filename() == file.filename()) file = *op.file;
            ASSERT_TRUE(fs::exists(file)) << file;
            cr::Bytes want = file_bytes(file);
            want.resize(step.bytes, 0);
            cr::Bytes got = read_region(s, *step.region);
            EXPECT_TRUE(got == want) << step.op.label << " differs after flashing";
            ++checked;
        }
        EXPECT_GT(checked, 5);
    }
};

}  // namespace crtest
