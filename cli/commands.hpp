// Every command group registers itself on the app (or on its parent group) through one of these.
#pragma once
#include <CLI/CLI.hpp>

#include "cli/context.hpp"

namespace cr::cli {

void register_devices(CLI::App& app, Context& ctx);         // devices
void register_info(CLI::App& app, Context& ctx);            // info
void register_edl_sahara(CLI::App& edl, Context& ctx);      // edl load|ramdump
void register_edl_firehose(CLI::App& edl, Context& ctx);    // edl partitions|storage|read|...
void register_edl_enter(CLI::App& edl, Context& ctx);       // edl enter (DIAG -> EDL)
void register_programmers(CLI::App& app, Context& ctx);     // programmers list|add
void register_flash(CLI::App& app, Context& ctx);           // flash
void register_backups(CLI::App& app, Context& ctx);         // backups list|diff
void register_edl_restore(CLI::App& edl, Context& ctx);     // edl restore-partition
void register_sim_firmware(CLI::App& sim, Context& ctx);    // sim make-firmware (a package)
void register_diag(CLI::App& app, Context& ctx);            // diag nv|efs|mode|spc
void register_calibration(CLI::App& app, Context& ctx);     // backup, restore, convert, imei
void register_at(CLI::App& app, Context& ctx);              // at send|term
void register_diagnose(CLI::App& app, Context& ctx);        // diagnose, rescue, demo
void register_ublox(CLI::App& app, Context& ctx);           // xmodem, foat
void register_sim(CLI::App& app, Context& ctx);             // sim list|set|reset|...
void register_sim_programmer(CLI::App& sim, Context& ctx);  // sim make-programmer
void register_sim_serve(CLI::App& sim, Context& ctx);       // sim serve (ptys)
void register_sim_ublox(CLI::App& sim, Context& ctx);       // sim make-package
void register_station(CLI::App& app, Context& ctx);         // station
void register_settings(CLI::App& app, Context& ctx);        // settings show|save|diff|apply
void register_snapshot(CLI::App& app, Context& ctx);        // snapshot [restore|export]

}  // namespace cr::cli
