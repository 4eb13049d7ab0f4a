// Descriptor bytes and umockdev sysfs records for an emulated USB device (harness internals).
#pragma once
#include <string>

#include "src/util/bytes.hpp"
#include "tests/usb/usb_harness.hpp"

namespace cr::usbtest {

struct Placement {
    int busnum = 1;
    int devnum = 2;
    std::string syspath;  // "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1"
    std::string devnode;  // "/dev/bus/usb/001/002"
};

// Device descriptor followed by the configuration (interfaces, bulk endpoints 0x81+n/0x01+n):
// what usbfs read() and sysfs `descriptors` return.
Bytes descriptor_bytes(const UsbDeviceSpec& spec);
// String descriptor `index` (0: LANGID; 1 manufacturer, 2 product, 3 serial); empty if none.
Bytes string_descriptor(const UsbDeviceSpec& spec, int index);

// The umockdev records (device, interfaces, tty children) for add_from_string.
std::string sysfs_records(const UsbDeviceSpec& spec, const Placement& place, NodeMode node);
// A hub record for the parent of a nested path ("1-4" for "1-4.2").
std::string hub_record(const std::string& name, const Placement& place);

// "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-4/1-4.2" for "1-4.2".
std::string syspath_for(const std::string& usb_path);
int bus_of(const std::string& usb_path);

}  // namespace cr::usbtest
