// bench/clients/Hello.java - the start-up of a JVM: print one line, exit.
public class Hello {
    public static void main(String[] args) {
        System.out.println("hello");
    }
}
