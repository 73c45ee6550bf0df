//! Hardware wallets on a serial port: transport, drivers and a simulator.
