.class public Lcn/tongdun/android/shell/FMAgent;
.super Ljava/lang/Object;
.source "FMAgent.java"

# Stand-in for the 同盾 (Tongdun) device-fingerprint SDK, a risk-control data collector.

.method public static init(Landroid/content/Context;)V
    .registers 1
    return-void
.end method
