// bench/clients/Work.java - a few seconds of ordinary Java: collections,
// streams, sorting, maps and strings, a fixed amount of work (not a fixed
// time), so that a slower run takes longer.  Prints a checksum.
import java.util.*;
import java.util.stream.*;

public class Work {
    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        Random rnd = new Random(42);
        long sum = 0;
        for (int r = 0; r < rounds; r++) {
            List<Integer> list = new ArrayList<>();
            for (int i = 0; i < 200_000; i++)
                list.add(rnd.nextInt(1_000_000));
            Collections.sort(list);
            sum += list.get(list.size() / 2);
            Map<Integer, Long> counts = list.stream()
                .filter(x -> x % 3 != 0)
                .collect(Collectors.groupingBy(x -> x % 1000, Collectors.counting()));
            sum += counts.getOrDefault(r % 1000, 0L);
            String s = list.stream().limit(2000).map(Object::toString).collect(Collectors.joining(","));
            sum += s.length();
            TreeMap<String, Integer> tm = new TreeMap<>();
            for (int i = 0; i < 20_000; i++)
                tm.merge("k" + (list.get(i) % 5000), 1, Integer::sum);
            sum += tm.firstEntry().getValue();
            final int salt = r;
            int[] arr = list.stream().mapToInt(Integer::intValue).map(x -> x ^ salt).toArray();
            Arrays.sort(arr);
            sum += arr[arr.length / 3];
        }
        System.out.println("checksum " + sum);
    }
}
