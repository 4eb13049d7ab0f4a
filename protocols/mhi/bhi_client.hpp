// The host side of BHI: read the module's boot state and chip identity, load a programmer.
// Speaks through a BhiIo (the real /dev/mhi_BHI ioctls or a virtual module's BHI).
#pragma once
#include "protocols/mhi/bhi.hpp"
#include "src/transport/bhi_node.hpp"

namespace cr::mhi {

class BhiClient {
  public:
    explicit BhiClient(BhiIo& io, HostLayout layout = native_layout()) : io_(io), layout_(layout) {}

    DeviceInfo device_info();

    // Loads `programmer` as the SBL. Checks first that the module is in EDL (ProtocolError
    // naming the EE it is in otherwise, nothing sent), then that the boot ROM accepted it
    // (ProtocolError with bhi_status/bhi_errorcode when it was rejected).
    void load_programmer(ByteView programmer);

    // ProtocolError unless `info` shows EDL: what the module is doing and how to get to EDL.
    static void require_edl(const DeviceInfo& info, const std::string& node);

  private:
    BhiIo& io_;
    HostLayout layout_;
};

}  // namespace cr::mhi
