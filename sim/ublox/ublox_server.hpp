// Internal: one session of a virtual u-blox AT port (see ublox_at.hpp for the behaviour).
#pragma once
#include <functional>
#include <optional>
#include <stop_token>
#include <string>

#include "sim/core/virtual_module.hpp"
#include "sim/ublox/ublox_state.hpp"
#include "src/transport/transport.hpp"

namespace cr::sim::ublox {

// The end of a session the module decides itself (reboot into an install, power loss).
struct PortDropped {};

class UbloxServer {
  public:
    UbloxServer(VirtualModule& module, Transport& port, std::stop_token stop);
    void run();

  private:
    // I/O
    std::optional<std::string> read_line(Millis timeout);
    bool read_raw(Bytes& out, std::size_t count, Millis idle_timeout);
    void send(std::string_view text);
    void final(bool ok) { send(ok ? "\r\nOK\r\n" : "\r\nERROR\r\n"); }
    void info(const std::string& line) { send("\r\n" + line + "\r\n"); }
    void cme(int code, const std::string& text);
    void nap(Millis real_time);  // scaled; ends the session on stop / power loss

    // boot and commands (ublox_commands.cpp)
    bool boot();
    void greet();
    void handle(const std::string& line);
    bool handle_identity(const std::string& up);
    bool handle_settings(const std::string& up);
    bool handle_files(const std::string& up, const std::string& line);
    // +URAT, +UBANDMASK, +USIO, +CGDCONT (ublox_settings.cpp)
    bool handle_radio_settings(const std::string& up, const std::string& line);
    void activate_settings();  // a boot: reboot-effect settings and a new MNO profile go live

    // updates (ublox_update.cpp)
    void ufwupd(const std::string& up);
    void ufwinstall(const std::string& up);
    std::optional<Bytes> receive_package(bool endless_handshake);
    void install_with_progress(const Bytes& package, const std::string& prefix, bool prevalidate);
    void reboot();
    void update_mode_loop();

    UbloxState state() const { return load(module_.state()); }
    void change(const std::function<void(ModuleState&, UbloxState&)>& fn);

    VirtualModule& module_;
    Transport& port_;
    std::stop_token stop_;
    Family family_;
    Bytes in_;
    bool echo_ = true;
    int cmee_ = 2;
    bool last_ok_ = false;  // result of the last install_with_progress
};

}  // namespace cr::sim::ublox
