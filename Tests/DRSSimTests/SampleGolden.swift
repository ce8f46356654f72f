/// LR-MMT-1.2 on the committed sample (`Datasets/planetlab-sample/20110303`, 40 hosts), as this
/// engine computes it: `drs simulate --setup beloglazov2012 --trace Datasets/planetlab-sample/20110303
/// --hosts 40 --policy lr-mmt-1.2`. A change of these values is a change of the simulator's or
/// the reference policy's behaviour and must be explained in the commit that makes it.
enum SampleGolden {
    static let lrMigrations = 773
    static let lrEnergyKWh = 8.976361865635464
    static let lrSlatah = 0.025869584687448686
}
