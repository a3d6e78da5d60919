#!/bin/sh
echo "---------------------"
echo "Hello from Chapter 2!"
echo "---------------------"
echo "My name is:"
hostname
echo "---------------------"
echo "I'm running on:"
uname -srm
echo "---------------------"
echo "My address is:"
hostname -i 2>/dev/null || echo "(no network)"
echo "---------------------"
