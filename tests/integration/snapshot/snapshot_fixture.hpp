// Virtual modules under a private directory with their programmers in a private store, for the
// snapshot tests; helpers to read a snapshot's entries and the module's flash back.
#pragma once
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "sim/core/provisioning.hpp"
#include "sim/core/virtual_module.hpp"
#include "sim/edl/virtual_programmer.hpp"
#include "src/archive/bundle.hpp"
#include "src/device/sim_device.hpp"
#include "src/util/atomic_file.hpp"
#include "src/workflows/flash/flash_edl.hpp"
#include "src/workflows/session/edl_session.hpp"
#include "src/workflows/snapshot/snapshot.hpp"
#include "src/workflows/snapshot/snapshot_layout.hpp"

namespace cr::test {

namespace fs = std::filesystem;

class SnapshotFixture : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string tmpl = (fs::temp_directory_path() / "cr-snapshot-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::shared_ptr<sim::VirtualModule> module(const std::string& id) {
        auto m = sim::VirtualModule::open(dir_ / "sim", id);
        fs::path prog = dir_ / ("prog_" + id + ".elf");
        write_file_atomically(
            prog, sim::make_virtual_programmer({m->model().msm_hw_id, m->state().pk_hash_hex, id},
                                               sim::kDefaultProgrammerSize));
        programmer_ = prog;
        return m;
    }
    EdlOptions edl() const {
        EdlOptions o;
        o.programmer = programmer_;
        o.programmer_dir = dir_ / "programmers";
        return o;
    }
    workflows::SnapshotOptions snap_options(const fs::path& out) const {
        workflows::SnapshotOptions o;
        o.output = out;
        o.store_dir = dir_ / "backups";
        o.edl = edl();
        return o;
    }
    workflows::SnapshotRestoreOptions restore_options() const {
        workflows::SnapshotRestoreOptions o;
        o.edl = edl();
        o.store_dir = dir_ / "backups";
        o.come_back = Millis(30000);
        return o;
    }
    static Bytes entry(const fs::path& file, const std::string& name) {
        auto r = archive::BundleReader::open(file, archive::BundleReader::Check::full);
        const auto* e = r.find(name);
        if (!e) return {};
        return r.read_entry(*e);
    }
    static workflows::snapshot::EntryLayout layout(const fs::path& file, const std::string& name) {
        auto r = archive::BundleReader::open(file, archive::BundleReader::Check::manifest);
        const auto* e = r.find(name);
        EXPECT_NE(e, nullptr) << name;
        return workflows::snapshot::layout_from_json(e->metadata, e->name, e->size);
    }
    // A region as the programmer reads it now (logical sectors; the module must be in EDL).
    static Bytes read_now(Device& dev, const EdlOptions& o, const std::string& partition) {
        auto s = EdlSession::open(dev, o);
        const auto& p = s->partition(partition);
        Bytes out;
        s->firehose().read(s->region(p),
                           [&](ByteView d) { out.insert(out.end(), d.begin(), d.end()); });
        return out;
    }

    fs::path dir_;
    fs::path programmer_;
};

}  // namespace cr::test
